"""After issuance: key rotation and compromise, revocation, superseding, expiry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.clock import china_date
from portal.errors import Conflict
from portal.letters.keys.keyring import active_seal_key, mark_compromised, new_seal_key
from portal.letters.keys.models import SealKey
from portal.letters.lifecycle.issuance import issue_letter
from portal.letters.lifecycle.models import ImmutableLetterError, Letter, LetterOutlet, LetterStatus
from portal.letters.lifecycle.service import Standing, revoke_letter, standing_on
from portal.signing import decode_token, load_public_key, parse_master_key, peek_kid


def _keys(session, manufacturer_id):
    return {
        k.kid: k
        for k in session.scalars(
            sa.select(SealKey).where(SealKey.manufacturer_id == manufacturer_id)
        )
    }


def test_rotation_seals_new_letters_with_the_new_key_and_old_ones_still_verify(issuing, session):
    from portal.signing import verify_token

    old_letter = issue_letter(session, issuing.order(), issuing.context())
    old_key = active_seal_key(session, issuing.manufacturer.id)
    new_key = new_seal_key(
        session, issuing.manufacturer, parse_master_key(issuing.app.config["MASTER_KEY"])
    )
    assert old_key.retired_at is not None and new_key.kid != old_key.kid
    new_letter = issue_letter(session, issuing.order(), issuing.context())
    assert new_letter.kid == new_key.kid
    keys = _keys(session, issuing.manufacturer.id)
    for letter in (old_letter, new_letter):
        cose = decode_token(letter.token)
        assert peek_kid(cose).hex() == letter.kid
        verify_token(cose, lambda kid: load_public_key(keys[kid.hex()].public_key))


def test_compromise_records_the_time_and_stops_the_key_sealing(issuing, session):
    issue_letter(session, issuing.order(), issuing.context())
    key = active_seal_key(session, issuing.manufacturer.id)
    key.created_at = datetime.now(UTC) - timedelta(days=1)  # a key of yesterday
    since = datetime.now(UTC) - timedelta(hours=2)
    mark_compromised(session, key, since=since, reason="laptop stolen", actor=issuing.issuer)
    assert key.compromised_at == since
    assert active_seal_key(session, issuing.manufacturer.id) is None
    letter = issue_letter(session, issuing.order(), issuing.context())
    assert letter.kid != key.kid  # a new key was made


def test_revocation(issuing, session):
    letter = issue_letter(session, issuing.order(), issuing.context())
    revoke_letter(
        session,
        letter,
        reason="vehicle was not exported",
        actor=issuing.issuer,
        master_key=issuing.master_key,
    )
    assert letter.status is LetterStatus.REVOKED
    assert standing_on(letter, date.today()) is Standing.REVOKED
    with pytest.raises(Conflict):
        revoke_letter(
            session, letter, reason="again", actor=issuing.issuer, master_key=issuing.master_key
        )


def test_superseding_links_old_and_new(issuing, session):
    order = issuing.order()
    old = issue_letter(session, order, issuing.context())
    new = issue_letter(
        session,
        issuing.order(vin=order.vin, model="Seal 06 DM-i 2026", supersedes_id=old.id),
        issuing.context(),
    )
    assert old.status is LetterStatus.SUPERSEDED
    assert old.superseded_by_id == new.id and new.supersedes_id == old.id
    assert standing_on(old, date.today()) is Standing.SUPERSEDED
    with pytest.raises(Conflict):  # a superseded letter cannot be superseded again
        issue_letter(session, issuing.order(vin=order.vin, supersedes_id=old.id), issuing.context())


def test_expiry_after_valid_until(issuing, session):
    letter = issue_letter(session, issuing.order(), issuing.context())
    # Dated in China's calendar, where the licence is applied for.
    assert (letter.valid_until - china_date(letter.issued_at)).days == 180
    assert standing_on(letter, letter.valid_until) is Standing.VALID
    assert standing_on(letter, letter.valid_until + timedelta(days=1)) is Standing.EXPIRED


def test_an_issued_letter_refuses_a_changed_vin(issuing, session):
    letter = issue_letter(session, issuing.order(), issuing.context())
    session.commit()
    vin = letter.vin
    letter.vin = issuing.make.vin(issuing.manufacturer)
    with pytest.raises(ImmutableLetterError, match="vin"):
        session.flush()
    session.rollback()
    assert session.scalar(sa.select(Letter.vin).where(Letter.id == letter.id)) == vin


@pytest.mark.parametrize("change", ["replace", "append", "delete"])
def test_an_issued_letter_keeps_its_outlets(issuing, session, change):
    letter = issue_letter(session, issuing.order(), issuing.context())
    first = letter.outlets[0]
    if change == "replace":
        first.outlet_version_id = letter.outlets[-1].outlet_version_id
    elif change == "append":
        session.add(
            LetterOutlet(
                letter_id=letter.id, position=99, outlet_version_id=first.outlet_version_id
            )
        )
    else:
        letter.outlets.remove(first)
    with pytest.raises(ImmutableLetterError, match=r"outlets|never deleted"):
        session.flush()


def test_an_issued_letter_is_never_deleted(issuing, session):
    letter = issue_letter(session, issuing.order(), issuing.context())
    session.delete(letter)
    with pytest.raises(ImmutableLetterError, match="never deleted"):
        session.flush()


def test_revoking_and_superseding_stored_letters_still_work(issuing, session):
    order = issuing.order()
    old = issue_letter(session, order, issuing.context())
    revoked = issue_letter(session, issuing.order(), issuing.context())
    session.commit()  # both letters are stored rows, loaded afresh below
    session.expire_all()
    revoke_letter(
        session,
        revoked,
        reason="vehicle was not exported",
        actor=issuing.issuer,
        master_key=issuing.master_key,
    )
    new = issue_letter(
        session, issuing.order(vin=order.vin, supersedes_id=old.id), issuing.context()
    )
    session.flush()
    assert revoked.status is LetterStatus.REVOKED and revoked.revoked_by_id == issuing.issuer.id
    assert old.status is LetterStatus.SUPERSEDED and old.superseded_by_id == new.id
