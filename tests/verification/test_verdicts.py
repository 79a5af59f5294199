"""Every verdict, from the service and from the QR page, and revocation seen at once."""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from portal.clock import CHINA, china_date
from portal.db import utcnow
from portal.letters.keys.keyring import active_seal_key, mark_compromised
from portal.letters.lifecycle.issuance import issue_letter
from portal.letters.lifecycle.models import Letter
from portal.letters.lifecycle.service import revoke_letter
from portal.verification.service import CheckName, Outcome, Verdict
from tests.intruder import triggers_off
from tests.verification.conftest import flip_bit, path_of


def _outcomes(verification) -> dict[str, str]:
    return {check.name.value: check.outcome.value for check in verification.checks}


def test_a_fresh_letter_is_genuine_and_valid(issue, verify):
    letter = issue()
    result = verify(letter.token)
    assert result.verdict is Verdict.VALID
    assert result.letter is not None and result.letter.id == letter.id
    assert set(_outcomes(result).values()) == {"passed"}
    assert [c.name for c in result.checks] == list(CheckName)


def test_the_whole_url_from_the_qr_code_verifies_too(issue, verify):
    letter = issue()
    assert verify(f"HTTPS://PORTAL.EXAMPLE.CN/V/{letter.token}").verdict is Verdict.VALID
    assert verify(f"https://portal.example.cn/v/{letter.token.lower()}").verdict is Verdict.VALID


def test_a_revoked_letter_is_revoked(issue, verify, issuing, session):
    letter = issue()
    revoke_letter(
        session,
        letter,
        reason="Sold domestically",
        actor=issuing.issuer,
        master_key=issuing.master_key,
    )
    result = verify(letter.token)
    assert result.verdict is Verdict.REVOKED
    assert result.outcome_of(CheckName.SIGNATURE) is Outcome.PASSED
    assert result.outcome_of(CheckName.STATUS) is Outcome.FAILED


def test_an_expired_letter_is_expired(issue, verify):
    letter = issue()
    assert verify(letter.token, now=utcnow() + timedelta(days=179)).verdict is Verdict.VALID
    after = verify(letter.token, now=utcnow() + timedelta(days=400))
    assert after.verdict is Verdict.EXPIRED
    assert after.outcome_of(CheckName.DATES) is Outcome.FAILED
    assert after.outcome_of(CheckName.STATUS) is Outcome.PASSED


def test_the_last_valid_day_is_still_valid_in_chinas_calendar(issue, verify):
    letter = issue()
    assert letter.valid_until == china_date(letter.issued_at) + timedelta(days=180)
    last_minute = datetime.combine(letter.valid_until, time(23, 59), tzinfo=CHINA)
    assert verify(letter.token, now=last_minute).verdict is Verdict.VALID
    # Midnight in Beijing is 16:00 UTC: from then on the letter has expired.
    assert verify(letter.token, now=last_minute + timedelta(minutes=1)).verdict is Verdict.EXPIRED


def test_a_superseded_letter_points_to_its_successor(issue, verify):
    old = issue()
    new = issue(vin=old.vin, supersedes_id=old.id)
    result = verify(old.token)
    assert result.verdict is Verdict.SUPERSEDED
    assert result.letter.superseded_by.id == new.id
    assert verify(new.token).verdict is Verdict.VALID


def test_revoked_outranks_expired(issue, verify, issuing, session):
    letter = issue()
    revoke_letter(
        session, letter, reason="Error", actor=issuing.issuer, master_key=issuing.master_key
    )
    assert verify(letter.token, now=utcnow() + timedelta(days=400)).verdict is Verdict.REVOKED


def test_unreadable_text_cannot_be_checked_and_names_no_letter(verify):
    for text in ("", "hello", "/V/", "HTTPS://EVIL.EXAMPLE/V/AAAA", "A" * 5000, "ÄÖÜ"):
        result = verify(text)
        assert result.verdict is Verdict.CANNOT_CHECK, text
        assert result.letter is None and result.genuine is None
        assert result.reason == "unreadable"
        assert {check.outcome for check in result.checks} == {Outcome.NOT_CHECKED}


def test_a_letter_sealed_after_its_key_was_compromised_is_not_genuine(
    issue, verify, issuing, session
):
    before = issue()
    key = active_seal_key(session, issuing.manufacturer.id)
    mark_compromised(session, key, since=before.issued_at, reason="Leaked", actor=issuing.issuer)
    result = verify(before.token)
    assert result.verdict is Verdict.NOT_GENUINE
    assert result.reason == "key_revoked"
    assert result.outcome_of(CheckName.SIGNATURE) is Outcome.PASSED
    assert result.outcome_of(CheckName.ISSUER_KEY) is Outcome.FAILED


def test_a_letter_sealed_before_the_compromise_stays_genuine_with_a_note(
    issue, verify, issuing, session
):
    letter = issue()
    key = active_seal_key(session, issuing.manufacturer.id)
    later = letter.issued_at + timedelta(seconds=1)
    mark_compromised(session, key, since=later, reason="Leaked", actor=issuing.issuer)
    result = verify(letter.token)
    assert result.verdict is Verdict.VALID
    key_check = next(c for c in result.checks if c.name is CheckName.ISSUER_KEY)
    assert key_check.code == "key_revoked_later"


def test_a_changed_register_row_is_caught(issue, verify, session):
    letter = issue()
    # Behind the application's back, as a database intruder would.
    with triggers_off(session):
        session.execute(sa.update(Letter).where(Letter.id == letter.id).values(model="Other model"))
    session.expire_all()
    result = verify(letter.token)
    assert result.verdict is Verdict.NOT_GENUINE
    assert result.reason == "register_changed"
    assert result.letter is None


def test_a_token_the_register_never_issued_is_not_genuine(issue, verify, session):
    letter = issue()
    token = letter.token
    with triggers_off(session):
        session.execute(sa.update(Letter).where(Letter.id == letter.id).values(number="X-2026-1"))
    result = verify(token)
    assert result.verdict is Verdict.NOT_GENUINE
    assert result.reason == "unknown_letter"
    assert result.outcome_of(CheckName.SIGNATURE) is Outcome.PASSED


def test_the_qr_page_shows_each_verdict(issue, client, issuing, session):
    valid, revoked = issue(), issue()
    revoke_letter(
        session, revoked, reason="Sold at home", actor=issuing.issuer, master_key=issuing.master_key
    )
    superseded = issue()
    issue(vin=superseded.vin, supersedes_id=superseded.id)
    pages = {
        "valid": client.get(path_of(valid)).get_data(as_text=True),
        "revoked": client.get(path_of(revoked)).get_data(as_text=True),
        "superseded": client.get(path_of(superseded)).get_data(as_text=True),
        "not_genuine": client.get(path_of(valid)[:-20] + flip_bit(valid.token, -1)[-20:]),
        "cannot_check": client.get("/V/ABCDEFGH").get_data(as_text=True),
    }
    pages["not_genuine"] = pages["not_genuine"].get_data(as_text=True)
    assert "Genuine and valid" in pages["valid"] and valid.vin in pages["valid"]
    assert "Revoked" in pages["revoked"] and "Sold at home" in pages["revoked"]
    successor = session.get(Letter, superseded.superseded_by_id)
    assert f"/V/{successor.token}" in pages["superseded"]
    assert successor.number in pages["superseded"]
    assert "Not genuine" in pages["not_genuine"]
    assert "Cannot check" in pages["cannot_check"] and "better light" in pages["cannot_check"]
    for verdict, page in pages.items():
        assert f'data-verdict="{verdict}"' in page


def test_revocation_shows_on_the_very_next_request(issue, client, login_as, issuing, session):
    letter = issue()
    assert 'data-verdict="valid"' in client.get(path_of(letter)).get_data(as_text=True)
    issuer = login_as(issuing.issuer)
    response = issuer.post(
        f"/letters/{letter.id}/revoke", data={"reason": "Duplicate", "confirm": "y"}
    )
    assert response.status_code == 302
    page = client.get(path_of(letter)).get_data(as_text=True)
    assert 'data-verdict="revoked"' in page and "Duplicate" in page


def test_the_page_states_what_was_checked(issue, client):
    page = html.unescape(client.get(path_of(issue())).get_data(as_text=True))
    for name in ("Signature", "Issuer's key", "Register", "Status", "Dates"):
        assert name in page
    assert "The digital signature matches the sealed data." in page


def test_nothing_from_an_unverified_token_reaches_the_page(issue, client, session):
    letter = issue()
    tampered = letter.token[:-8] + ("A" if letter.token[-8] != "A" else "B") + letter.token[-7:]
    page = client.get(f"/V/{tampered}").get_data(as_text=True)
    assert 'data-verdict="not_genuine"' in page
    for value in (letter.vin, letter.number, letter.exporter_name, letter.model):
        assert value not in page


def test_the_first_letter_verifies_although_its_key_is_made_while_issuing(issuing, verify, session):
    # The issuance's clock was read a few seconds before the manufacturer's first key existed.
    assert active_seal_key(session, issuing.manufacturer.id) is None
    context = replace(issuing.context(), now=utcnow() - timedelta(seconds=5))
    letter = issue_letter(session, issuing.order(), context)
    key = active_seal_key(session, letter.manufacturer_id)
    assert letter.issued_at >= key.created_at
    assert verify(letter.token).verdict is Verdict.VALID
