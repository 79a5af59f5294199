"""An issuance happens completely or not at all: a failure at any step leaves no letter, no
stored file and no used number; a wrong master key issues nothing and harms no letter."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.letters.keys.errors import KeysUnavailable
from portal.letters.lifecycle import issuance, production
from portal.letters.lifecycle.issuance import issue_letter
from portal.letters.lifecycle.models import Letter
from portal.storage import FileStorage

STEPS = [
    (issuance, "check_order"),
    (issuance, "signing_material"),
    (issuance, "next_sequence"),
    (production, "choose_claims_form"),
    (production, "qr_png"),
    (production, "signed_pdf_with"),
    (issuance, "record"),
    (issuance, "_letter_row"),
]


class Injected(RuntimeError):
    """The failure a test injects."""


def _issue_in_a_unit(session, order, ctx):
    """Issues as a request does: in a unit of work that rolls back as a whole on error."""
    with session.begin_nested():
        return issue_letter(session, order, ctx)


@pytest.mark.parametrize(("module", "step"), STEPS, ids=[name for _m, name in STEPS])
def test_failure_at_each_step_leaves_nothing(issuing, session, monkeypatch, module, step):
    def fail(*args, **kwargs):
        raise Injected(step)

    monkeypatch.setattr(module, step, fail)
    with pytest.raises(Injected):
        _issue_in_a_unit(session, issuing.order(), issuing.context())
    monkeypatch.undo()
    assert session.scalar(sa.select(sa.func.count()).select_from(Letter)) == 0
    assert issuing.stored_files() == []
    # The number was not used up: the next letter still gets the first one.
    letter = _issue_in_a_unit(session, issuing.order(), issuing.context())
    assert letter.sequence == 1


def test_failure_after_the_file_is_stored_removes_the_file(issuing, session, monkeypatch):
    stored = []
    original = FileStorage.put

    def put_then_fail(self, key, data, *, session=None):
        original(self, key, data, session=session)
        stored.append(key)
        raise Injected("disk full after writing")

    monkeypatch.setattr(FileStorage, "put", put_then_fail)
    with pytest.raises(Injected):
        _issue_in_a_unit(session, issuing.order(), issuing.context())
    assert stored
    session.rollback()  # the request's unit of work ends
    assert issuing.stored_files() == []


def test_retry_after_a_failure_issues_exactly_one_letter(issuing, session, monkeypatch):
    order = issuing.order(issue_key="retry-1")
    monkeypatch.setattr(
        production, "signed_pdf_with", lambda *a, **k: (_ for _ in ()).throw(Injected("crash"))
    )
    with pytest.raises(Injected):
        _issue_in_a_unit(session, order, issuing.context())
    monkeypatch.undo()
    first = _issue_in_a_unit(session, order, issuing.context())
    second = _issue_in_a_unit(session, order, issuing.context())
    assert first.id == second.id
    assert session.scalar(sa.select(sa.func.count()).select_from(Letter)) == 1


def test_wrong_master_key_issues_nothing_and_existing_letters_still_verify(issuing, session):
    from portal.letters.keys.keyring import active_seal_key
    from portal.signing import decode_token, load_public_key, verify_token

    letter = issue_letter(session, issuing.order(), issuing.context())
    wrong = issuing.context(master_key=bytes(32))
    with pytest.raises(KeysUnavailable, match="master key"):
        _issue_in_a_unit(session, issuing.order(), wrong)
    assert session.scalar(sa.select(sa.func.count()).select_from(Letter)) == 1
    key = active_seal_key(session, issuing.manufacturer.id)
    verified = verify_token(decode_token(letter.token), lambda kid: load_public_key(key.public_key))
    assert verified.claims.number == letter.number


def test_error_message_never_shows_key_material(issuing, session):
    wrong = issuing.context(master_key=b"\x01" * 32)
    with pytest.raises(KeysUnavailable) as caught:
        issue_letter(session, issuing.order(), issuing.context())  # creates the keys
        _issue_in_a_unit(session, issuing.order(), wrong)
    assert "PRIVATE" not in caught.value.message
    assert issuing.app.config["MASTER_KEY"] not in caught.value.message
