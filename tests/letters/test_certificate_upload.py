"""A manufacturer uploads its own signing certificate: checked, then used for new letters."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from portal.accounts.roles import Role
from portal.letters.issuance import issue_letter
from portal.letters.key_models import SigningCertificate
from portal.signing.pades import validate_pdf_signature


def _own_certificate(key):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Manufacturer's own CA-signed")])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )


def _pem(key, cert):
    return (
        cert.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        ),
    )


def test_uploaded_certificate_signs_the_next_letters(issuing, login_as, session):
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _own_certificate(key)
    cert_pem, key_pem = _pem(key, cert)
    admin = login_as(Role.MANUFACTURER_ADMIN, org=issuing.manufacturer)
    response = admin.post(
        "/letters/settings/certificates/upload",
        data={
            "certificate": (io.BytesIO(cert_pem), "cert.pem"),
            "private_key": (io.BytesIO(key_pem), "key.pem"),
            "password": "secret",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    row = session.scalar(
        sa.select(SigningCertificate).where(
            SigningCertificate.manufacturer_id == issuing.manufacturer.id
        )
    )
    assert row.source == "uploaded"
    assert b"PRIVATE KEY" not in row.sealed_private_key
    letter = issue_letter(session, issuing.order(), issuing.context())
    report = validate_pdf_signature(issuing.store.get(letter.pdf_key), trust_roots=[cert])
    assert report.ok, report


def test_a_key_that_does_not_belong_to_the_certificate_is_refused(issuing, login_as, session):
    cert = _own_certificate(ec.generate_private_key(ec.SECP256R1()))
    cert_pem, other_key_pem = _pem(ec.generate_private_key(ec.SECP256R1()), cert)
    admin = login_as(Role.MANUFACTURER_ADMIN, org=issuing.manufacturer)
    response = admin.post(
        "/letters/settings/certificates/upload",
        data={
            "certificate": (io.BytesIO(cert_pem), "cert.pem"),
            "private_key": (io.BytesIO(other_key_pem), "key.pem"),
            "password": "secret",
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "does not belong to the certificate" in response.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(SigningCertificate)) == 0
