"""A manufacturer uploads its own signing certificate (PEM files with an EC or RSA key, or one
PKCS#12 file): checked, sealed under the master key, then used for new letters."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from portal.accounts.roles import Role
from portal.letters.keys.models import SigningCertificate
from portal.letters.lifecycle.issuance import issue_letter
from portal.signing.pades import validate_pdf_signature
from tests.letters import ca_files
from tests.letters.ca_files import PASSWORD, TLS, CaFiles

UPLOAD = "/letters/settings/certificates/upload"


@pytest.fixture(scope="module")
def ca() -> CaFiles:
    return ca_files.commercial_ca()


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


def _post(client, follow_redirects=False, **files):
    password = files.pop("password", PASSWORD)
    data = {name: (io.BytesIO(content), f"{name}.bin") for name, content in files.items()}
    return client.post(
        UPLOAD,
        data={**data, "password": password},
        content_type="multipart/form-data",
        follow_redirects=follow_redirects,
    )


def _stored(session, issuing) -> list[SigningCertificate]:
    return list(
        session.scalars(
            sa.select(SigningCertificate).where(
                SigningCertificate.manufacturer_id == issuing.manufacturer.id
            )
        )
    )


def _issued_pdf(session, issuing) -> bytes:
    letter = issue_letter(session, issuing.order(), issuing.context())
    return issuing.store.get(letter.pdf_key)


def test_uploaded_certificate_signs_the_next_letters(issuing, login_as, session):
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _own_certificate(key)
    cert_pem, key_pem = _pem(key, cert)
    admin = login_as(Role.MANUFACTURER_ADMIN, org=issuing.manufacturer)
    response = _post(admin, certificate=cert_pem, private_key=key_pem, password="secret")
    assert response.status_code == 302
    [row] = _stored(session, issuing)
    assert row.source == "uploaded"
    assert b"PRIVATE KEY" not in row.sealed_private_key
    report = validate_pdf_signature(_issued_pdf(session, issuing), trust_roots=[cert])
    assert report.ok, report


def test_an_rsa_key_in_pem_signs_the_next_letters(ca, issuing, login_as, session):
    admin = login_as(Role.MANUFACTURER_ADMIN, org=issuing.manufacturer)
    response = _post(
        admin, certificate=ca.certificate_pem(), private_key=ca.key_pem(), chain=ca.root_pem()
    )
    assert response.status_code == 302
    [row] = _stored(session, issuing)
    assert row.chain_pem == ca.root_pem()
    der = ca.key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    assert der not in row.sealed_private_key and b"PRIVATE KEY" not in row.sealed_private_key
    report = validate_pdf_signature(_issued_pdf(session, issuing), trust_roots=[ca.root])
    assert report.ok, report
    assert report.signer == "Manufacturer Document Signing"


@pytest.mark.parametrize("legacy", [False, True], ids=["aes", "sha1-3des"])
def test_a_pkcs12_file_signs_the_next_letters(ca, issuing, login_as, session, legacy):
    admin = login_as(Role.MANUFACTURER_ADMIN, org=issuing.manufacturer)
    response = _post(admin, pkcs12=ca.pkcs12(legacy=legacy))
    assert response.status_code == 302
    [row] = _stored(session, issuing)
    assert x509.load_pem_x509_certificates(row.chain_pem) == [ca.root]
    report = validate_pdf_signature(_issued_pdf(session, issuing), trust_roots=[ca.root])
    assert report.ok, report


def _bad_uploads(ca: CaFiles):
    other = ca.reissued(key=ca_files.rsa_key())
    short = ca.reissued(key=ca_files.rsa_key(1024))
    expired = ca.reissued(days=(-400, -35))
    future = ca.reissued(days=(10, 400))
    tls = ca.reissued(usage=TLS)

    def pem(files: CaFiles, key=None) -> dict:
        return {"certificate": files.certificate_pem(), "private_key": files.key_pem(key)}

    return {
        "wrong PKCS#12 password": (
            {"pkcs12": ca.pkcs12(), "password": "not-the-password"},
            "The password of the PKCS#12 file is wrong.",
        ),
        "PKCS#12 without a password": (
            {"pkcs12": ca.pkcs12(), "password": ""},
            "The password of the PKCS#12 file is wrong.",
        ),
        "not a PKCS#12 file": ({"pkcs12": b"\x30\x03\x02\x01"}, "is not a PKCS#12"),
        "PKCS#12 and PEM at once": (
            {"pkcs12": ca.pkcs12(), **pem(ca)},
            "either a PKCS#12 file or the PEM certificate and key",
        ),
        "key of another certificate (PEM)": (
            pem(ca, other.key),
            "The private key does not belong to the certificate.",
        ),
        "PKCS#12 with a key but no certificate": (
            {"pkcs12": _key_only_pkcs12(ca)},
            "must hold the certificate and its private key",
        ),
        "RSA key under 2048 bits": (pem(short), "The RSA key has 1024 bits"),
        "expired certificate": (pem(expired), "The certificate expired on "),
        "expired certificate (PKCS#12)": ({"pkcs12": expired.pkcs12()}, "expired on "),
        "certificate not valid yet": (pem(future), "The certificate is valid only from "),
        "TLS certificate, no digital signature": (
            pem(tls),
            "The certificate does not allow signing documents.",
        ),
    }


def _key_only_pkcs12(ca: CaFiles) -> bytes:
    return pkcs12.serialize_key_and_certificates(
        b"x",
        ca.key,
        None,
        None,
        serialization.BestAvailableEncryption(PASSWORD.encode()),
    )


BAD_CASES = [
    "wrong PKCS#12 password",
    "PKCS#12 without a password",
    "not a PKCS#12 file",
    "PKCS#12 and PEM at once",
    "key of another certificate (PEM)",
    "PKCS#12 with a key but no certificate",
    "RSA key under 2048 bits",
    "expired certificate",
    "expired certificate (PKCS#12)",
    "certificate not valid yet",
    "TLS certificate, no digital signature",
]


@pytest.fixture(scope="module")
def bad_uploads(ca):
    return _bad_uploads(ca)


@pytest.mark.parametrize("case", BAD_CASES)
def test_a_bad_upload_is_refused_and_nothing_is_stored(
    bad_uploads, case, issuing, login_as, session
):
    files, message = bad_uploads[case]
    admin = login_as(Role.MANUFACTURER_ADMIN, org=issuing.manufacturer)
    response = _post(admin, follow_redirects=True, **files)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(SigningCertificate)) == 0
