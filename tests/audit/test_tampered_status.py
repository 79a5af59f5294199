"""A letter's status edited in the database behind the Portal's back (un-revoking it) is
caught by the verification page, the API and audit-verify: never "valid"."""

from __future__ import annotations

import sqlalchemy as sa

from portal.audit.lifecycle import letter_status_consistent
from portal.db import utcnow
from portal.letters.lifecycle.models import Letter, LetterStatus
from portal.letters.lifecycle.service import revoke_letter
from portal.verification.service import Verdict, verify_token_text


def _unrevoke(session, letter: Letter) -> None:
    # The edit of the attack run: allowed by the triggers, as status is a lifecycle field.
    session.execute(
        sa.text("UPDATE letter SET status='issued', revoked_at=NULL WHERE id = :id"),
        {"id": letter.id},
    )
    session.commit()
    session.expire_all()


def _revoked(issue, issuing, session) -> Letter:
    letter = issue()
    revoke_letter(
        session, letter, reason="Sold at home", actor=issuing.issuer, master_key=issuing.master_key
    )
    session.commit()
    return letter


def test_an_untouched_letter_is_consistent_whatever_its_status(issue, issuing, session):
    valid, revoked = issue(), _revoked(issue, issuing, session)
    assert letter_status_consistent(session, valid)
    assert letter_status_consistent(session, revoked)


def test_an_unrevoked_letter_is_caught_by_the_service(issue, issuing, session):
    letter = _revoked(issue, issuing, session)
    _unrevoke(session, letter)
    result = verify_token_text(session, letter.token, now=utcnow())
    assert result.verdict is Verdict.REGISTER_INCONSISTENT
    assert result.letter is None and result.genuine is None


def test_an_unrevoked_letter_is_caught_by_the_page(issue, issuing, session, client):
    letter = _revoked(issue, issuing, session)
    _unrevoke(session, letter)
    page = client.get(f"/V/{letter.token}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-verdict="register_inconsistent"' in text
    assert "Cannot confirm" in text
    assert "Genuine and valid" not in text
    assert letter.vin not in text  # nothing of the record is shown beside a doubtful status


def test_an_unrevoked_letter_is_caught_by_the_api(issue, issuing, session, client):
    letter = _revoked(issue, issuing, session)
    _unrevoke(session, letter)
    body = client.post("/api/v1/verify", json={"token": letter.token}).get_json()
    assert body["verdict"] == "register_inconsistent"
    assert body["genuine"] is None
    assert body["letter"] is None
    assert body["reason"]["code"] == "register_inconsistent"
    by_code = client.post(
        "/api/v1/verify", json={"number": letter.number, "code": letter.short_code}
    ).get_json()
    assert by_code["verdict"] == "register_inconsistent"


def test_an_unrevoked_letter_is_named_by_audit_verify(issue, issuing, session, audit_verify):
    letter = _revoked(issue, issuing, session)
    assert audit_verify()[0] == 0
    _unrevoke(session, letter)
    code, output = audit_verify()
    assert code == 1
    assert f"letter {letter.number} (id {letter.id}) reads issued" in output


def test_a_letter_revoked_behind_the_portals_back_is_not_confirmed_either(issue, session, client):
    letter = issue()
    session.execute(
        sa.update(Letter)
        .where(Letter.id == letter.id)
        .values(status=LetterStatus.REVOKED, revoked_at=utcnow())
    )
    session.commit()
    body = client.post("/api/v1/verify", json={"token": letter.token}).get_json()
    assert body["verdict"] == "register_inconsistent"


def test_a_superseded_letter_stays_consistent_and_unsuperseding_it_is_caught(
    issue, issuing, session, client
):
    old = issue()
    new = issue(vin=old.vin, supersedes_id=old.id)
    session.expire_all()
    old = session.get(Letter, old.id)
    assert old.status is LetterStatus.SUPERSEDED and old.superseded_by_id == new.id
    assert client.post("/api/v1/verify", json={"token": old.token}).get_json()["verdict"] == (
        "superseded"
    )
    session.execute(
        sa.update(Letter).where(Letter.id == old.id).values(status="issued", superseded_by_id=None)
    )
    session.commit()
    assert client.post("/api/v1/verify", json={"token": old.token}).get_json()["verdict"] == (
        "register_inconsistent"
    )


def test_a_deleted_revocation_entry_is_named_by_audit_verify(issue, issuing, session, audit_verify):
    from portal.audit.models import AuditEntry
    from tests.intruder import triggers_off

    letter = _revoked(issue, issuing, session)
    with triggers_off(session):
        session.execute(
            sa.delete(AuditEntry).where(
                AuditEntry.action == "letter.revoked", AuditEntry.object_id == str(letter.id)
            )
        )
    _unrevoke(session, letter)
    code, output = audit_verify()
    assert code == 1 and "was deleted" in output


def test_a_revocation_entry_edited_away_is_caught_by_the_verification(
    issue, issuing, session, client
):
    from portal.audit.models import AuditEntry
    from tests.intruder import triggers_off

    letter = _revoked(issue, issuing, session)
    with triggers_off(session):
        session.execute(
            sa.update(AuditEntry)
            .where(AuditEntry.action == "letter.revoked", AuditEntry.object_id == str(letter.id))
            .values(action="letter.viewed")
        )
    _unrevoke(session, letter)
    body = client.post("/api/v1/verify", json={"token": letter.token}).get_json()
    assert body["verdict"] == "register_inconsistent"
