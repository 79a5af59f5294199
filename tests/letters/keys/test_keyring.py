"""The keyring's own checks: a change of keys under a master key that does not open the
manufacturer's keys is refused, and a compromise time must lie between the key's making and
now."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import ec

from portal.audit.models import AuditEntry
from portal.errors import Conflict, PortalError
from portal.letters.keys.errors import KeysUnavailable
from portal.letters.keys.keyring import (
    active_certificate,
    active_seal_key,
    issue_portal_certificate,
    mark_compromised,
    new_seal_key,
    signing_material,
    upload_certificate,
)
from portal.letters.keys.models import PortalAuthority, SealKey, SigningCertificate
from portal.letters.keys.uploaded_certificates import UploadedCertificate
from portal.letters.lifecycle.issuance import issue_letter
from portal.signing.certificates import (
    certificate_pem,
    create_certificate_authority,
    issue_signing_certificate,
    load_certificate_pem,
    seal_ec_key,
)

OTHER_MASTER_KEY = os.urandom(32)


def _count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def keys(issuing, session):
    """The manufacturer's keys, made by a first letter under the configured master key."""
    issue_letter(session, issuing.order(), issuing.context())
    return active_seal_key(session, issuing.manufacturer.id), active_certificate(
        session, issuing.manufacturer.id
    )


def _rows(session) -> tuple[int, int, int, int]:
    return (
        _count(session, SealKey),
        _count(session, SigningCertificate),
        _count(session, PortalAuthority),
        _count(session, AuditEntry),
    )


def _assert_unchanged(session, issuing, keys, rows) -> None:
    seal_key, certificate = keys
    assert _rows(session) == rows
    assert active_seal_key(session, issuing.manufacturer.id).id == seal_key.id
    assert active_certificate(session, issuing.manufacturer.id).id == certificate.id
    session.refresh(seal_key)
    session.refresh(certificate)
    assert seal_key.retired_at is None and certificate.retired_at is None


def test_rotation_under_another_master_key_is_refused(issuing, session, keys):
    rows = _rows(session)
    with pytest.raises(KeysUnavailable, match="No key was changed"):
        new_seal_key(session, issuing.manufacturer, OTHER_MASTER_KEY, actor=issuing.issuer)
    _assert_unchanged(session, issuing, keys, rows)


def test_renewal_under_another_master_key_is_refused_even_when_the_authority_opens(
    issuing, session, keys
):
    # A newer authority sealed under the other key opens; the manufacturer's keys do not.
    ca_key, ca_cert = create_certificate_authority("Another authority")
    session.add(
        PortalAuthority(
            certificate_pem=certificate_pem(ca_cert),
            sealed_key=seal_ec_key(ca_key, OTHER_MASTER_KEY, aad=b"authority"),
        )
    )
    session.flush()
    rows = _rows(session)
    with pytest.raises(KeysUnavailable, match="No key was changed"):
        issue_portal_certificate(
            session, issuing.manufacturer, OTHER_MASTER_KEY, actor=issuing.issuer
        )
    _assert_unchanged(session, issuing, keys, rows)


def test_an_upload_under_another_master_key_is_refused(issuing, session, keys):
    ca_key, ca_cert = create_certificate_authority("Manufacturer's own CA")
    key = ec.generate_private_key(ec.SECP256R1())
    cert = issue_signing_certificate(
        ca_key, ca_cert, organisation_name="Own", common_name="Own", public_key=key.public_key()
    )
    rows = _rows(session)
    with pytest.raises(KeysUnavailable, match="No key was changed"):
        upload_certificate(
            session,
            issuing.manufacturer,
            UploadedCertificate(cert, key, (ca_cert,)),
            master_key=OTHER_MASTER_KEY,
            actor=issuing.issuer,
        )
    _assert_unchanged(session, issuing, keys, rows)


def test_an_issuance_that_would_make_a_key_under_another_master_key_says_so(issuing, session, keys):
    seal_key, _ = keys
    seal_key.retired_at = datetime.now(UTC)  # the next issuance would make a seal key
    session.flush()
    with pytest.raises(KeysUnavailable, match="No letter was issued"):
        signing_material(session, issuing.manufacturer, OTHER_MASTER_KEY)
    assert _count(session, SealKey) == 1


def test_rotation_and_renewal_under_the_right_master_key_work(issuing, session, keys):
    master = issuing.context().master_key
    seal_key = new_seal_key(session, issuing.manufacturer, master, actor=issuing.issuer)
    certificate = issue_portal_certificate(
        session, issuing.manufacturer, master, actor=issuing.issuer
    )
    material = signing_material(session, issuing.manufacturer, master)
    assert material.seal_key.id == seal_key.id
    assert material.certificate == load_certificate_pem(certificate.certificate_pem)


NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def key(issuing, session, keys) -> SealKey:
    seal_key, _ = keys
    seal_key.created_at = datetime(2026, 11, 1, 8, 30, 45, tzinfo=UTC)
    session.flush()
    return seal_key


def _compromise(session, issuing, key, since):
    mark_compromised(session, key, since=since, reason="Leaked", actor=issuing.issuer, now=NOW)


@pytest.mark.parametrize(
    ("since", "message"),
    [
        (NOW + timedelta(minutes=6), "The compromise time is in the future."),
        (NOW + timedelta(days=30), "The compromise time is in the future."),
        (
            datetime(2026, 11, 1, 8, 29, tzinfo=UTC),
            "The compromise time is before the key was made (2026-11-01 08:30 UTC).",
        ),
        (datetime(2025, 1, 1, tzinfo=UTC), "The compromise time is before the key was made"),
    ],
)
def test_a_compromise_time_out_of_the_keys_life_is_refused(issuing, session, key, since, message):
    audit = _count(session, AuditEntry)
    with pytest.raises(PortalError) as caught:
        _compromise(session, issuing, key, since)
    assert caught.value.field == "since"
    assert message in caught.value.message
    session.refresh(key)
    assert key.compromised_at is None and key.retired_at is None
    assert _count(session, AuditEntry) == audit


@pytest.mark.parametrize(
    "since",
    [
        NOW + timedelta(minutes=5),  # a clock running fast
        NOW,
        datetime(2026, 11, 1, 8, 30, tzinfo=UTC),  # the minute the key was made
    ],
)
def test_a_compromise_time_within_the_keys_life_is_recorded(issuing, session, key, since):
    _compromise(session, issuing, key, since)
    assert key.compromised_at == since
    entry = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "seal_key.compromised")
    ).one()
    assert entry.actor_id == issuing.issuer.id
    assert entry.details["since"] == since.isoformat() and entry.details["kid"] == key.kid


def test_a_key_already_marked_compromised_cannot_be_marked_again(issuing, session):
    issue_letter(session, issuing.order(), issuing.context())
    key = active_seal_key(session, issuing.manufacturer.id)
    first = key.created_at + timedelta(minutes=1)
    mark_compromised(session, key, since=first, reason="Leaked", actor=issuing.issuer, now=first)
    later = first + timedelta(hours=1)
    with pytest.raises(Conflict):
        mark_compromised(session, key, since=later, reason="Again", actor=issuing.issuer, now=later)
    assert key.compromised_at == first and key.compromise_reason == "Leaked"
