"""Changing the master key: every stored private key sealed again under the new one, all or
nothing, and the check that a master key opens them all."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.db import utcnow
from portal.errors import PortalError
from portal.letters.keys import master_key
from portal.letters.keys.errors import KeysUnavailable
from portal.letters.keys.master_key import (
    KeyCounts,
    KeysDoNotOpen,
    check_master_key,
    reseal_stored_keys,
)
from portal.letters.keys.models import SealKey
from portal.letters.lifecycle.issuance import issue_letter
from portal.signing import new_master_key_text, open_private_key, parse_master_key
from portal.signing import seal_private_key as seal
from portal.verification.service import Verdict, verify_token_text
from tests.letters.key_world import opening, sealed_keys

OTHER_MASTER_KEY = os.urandom(32)
EVERY_KIND = KeyCounts(authority=1, seal=3, certificate=3)


@pytest.fixture
def configured(app) -> bytes:
    return parse_master_key(app.config["MASTER_KEY"])


def _audits(session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


def test_after_rotation_every_key_opens_with_the_new_master_key_and_none_with_the_old(
    session, key_world, configured
):
    assert opening(session, configured) == [True] * 7
    new = os.urandom(32)
    assert reseal_stored_keys(session, configured, new) == EVERY_KIND
    assert opening(session, new) == [True] * 7
    assert opening(session, configured) == [False] * 7


def test_letters_issued_before_and_after_the_switch_verify(
    app, session, issuing, key_world, configured
):
    new_text = new_master_key_text()
    reseal_stored_keys(session, configured, parse_master_key(new_text))
    with pytest.raises(KeysUnavailable):  # a worker still holding the old key
        issue_letter(session, issuing.order(), issuing.context())
    app.config["MASTER_KEY"] = new_text
    after = issue_letter(session, issuing.order(), issuing.context())
    session.flush()
    for letter in (*key_world.letters, after):
        assert verify_token_text(session, letter.token, now=utcnow()).verdict is Verdict.VALID


def test_a_wrong_current_master_key_is_refused_naming_the_keys_and_nothing_changes(
    session, issuing, key_world
):
    before, audits = sealed_keys(session), _audits(session)
    with pytest.raises(KeysDoNotOpen, match="7 of 7 stored keys do not open") as refused:
        reseal_stored_keys(session, OTHER_MASTER_KEY, os.urandom(32))
    message = refused.value.message
    assert "the Portal's authority key" in message and message.endswith("Nothing was changed.")
    for key in session.scalars(sa.select(SealKey)):
        assert f"seal key of {key.manufacturer.short_code}, kid {key.kid}" in message
    assert f"certificate key of {issuing.manufacturer.short_code}, serial " in message
    session.expire_all()
    assert sealed_keys(session) == before
    assert _audits(session) == audits


def test_one_key_sealed_under_another_master_key_is_named_and_nothing_changes(
    session, issuing, key_world, configured
):
    retired = session.scalar(
        sa.select(SealKey).where(
            SealKey.manufacturer_id == issuing.manufacturer.id, SealKey.retired_at.is_not(None)
        )
    )
    private = open_private_key(retired.sealed_private_key, configured, aad=retired.kid.encode())
    retired.sealed_private_key = seal(private, OTHER_MASTER_KEY, aad=retired.kid.encode())
    session.flush()
    before = sealed_keys(session)
    with pytest.raises(KeysDoNotOpen) as refused:
        reseal_stored_keys(session, configured, os.urandom(32))
    assert refused.value.message.startswith("1 of 7 stored keys does not open under the master key")
    assert f"seal key of {issuing.manufacturer.short_code}, kid {retired.kid}." in (
        refused.value.message
    )
    assert sealed_keys(session) == before


def test_a_long_refusal_names_the_first_keys_and_counts_the_rest(session, key_world, monkeypatch):
    monkeypatch.setattr(master_key, "NAMED_IN_REFUSAL", 2)
    with pytest.raises(KeysDoNotOpen) as refused:
        check_master_key(session, OTHER_MASTER_KEY)
    assert refused.value.message.count("key of") == 1  # the authority, then one seal key
    assert "; and 5 more." in refused.value.message


def test_the_new_master_key_must_differ_from_the_current_one(session, key_world, configured):
    before = sealed_keys(session)
    with pytest.raises(PortalError, match="the one configured now"):
        reseal_stored_keys(session, configured, configured)
    assert sealed_keys(session) == before


def test_the_rotation_is_audited_with_counts_and_nothing_secret(session, key_world, configured):
    reseal_stored_keys(session, configured, os.urandom(32))
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "master_key.rotated"))
    assert entry.details == {"authority_keys": 1, "seal_keys": 3, "certificate_keys": 3}
    assert entry.actor_id is None and entry.organisation_id is None


def test_the_check_counts_the_keys_only_when_the_master_key_opens_them_all(
    session, key_world, configured
):
    assert check_master_key(session, configured) == EVERY_KIND
    with pytest.raises(KeysDoNotOpen, match="7 of 7 stored keys"):
        check_master_key(session, OTHER_MASTER_KEY)


def test_with_no_keys_stored_the_check_passes_and_a_rotation_changes_nothing(session, configured):
    assert check_master_key(session, configured) == KeyCounts(0, 0, 0)
    assert reseal_stored_keys(session, configured, os.urandom(32)) == KeyCounts(0, 0, 0)
