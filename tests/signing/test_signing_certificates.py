"""The CA and document-signing certificates for the PDF signature."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from reportlab.pdfgen.canvas import Canvas

from portal.signing.certificates import (
    DOCUMENT_SIGNING,
    MS_DOCUMENT_SIGNING,
    RevokedCertificate,
    authority_name,
    build_crl,
    certificate_pem,
    create_certificate_authority,
    generate_ec_key,
    issue_signing_certificate,
    load_certificate_pem,
    open_certificate_key,
    open_ec_key,
    seal_certificate_key,
    seal_ec_key,
)
from portal.signing.errors import MasterKeyError
from portal.signing.keys import generate_signing_key, seal_private_key

MASTER = bytes(range(32))
ORGANISATION = "比亚迪汽车工业有限公司"
CRL_URL = "https://portal.example.cn/.well-known/portal-ca.crl"


@pytest.fixture(scope="module")
def authority():
    return create_certificate_authority("The Portal Root CA")


@pytest.fixture(scope="module")
def signer(authority):
    ca_key, ca_cert = authority
    key = generate_ec_key()
    cert = issue_signing_certificate(
        ca_key,
        ca_cert,
        organisation_name=ORGANISATION,
        common_name="比亚迪 售后服务确认函",
        public_key=key.public_key(),
        crl_url=CRL_URL,
    )
    return key, cert


def _extension(cert, kind):
    return cert.extensions.get_extension_for_class(kind)


def test_ca_is_self_signed_and_may_sign_certificates(authority):
    key, cert = authority
    assert isinstance(key.curve, ec.SECP256R1)
    cert.verify_directly_issued_by(cert)
    constraints = _extension(cert, x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca
    usage = _extension(cert, x509.KeyUsage)
    assert usage.critical
    assert usage.value.key_cert_sign and usage.value.crl_sign
    assert not usage.value.digital_signature
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "The Portal Root CA"


def test_root_names_the_operator_and_identifies_its_key():
    name = authority_name("Portal Root", "Operator Ltd", "SG")
    key, cert = create_certificate_authority(name)
    assert cert.subject == cert.issuer == name
    assert [a.oid for a in cert.subject] == [
        NameOID.COUNTRY_NAME,
        NameOID.ORGANIZATION_NAME,
        NameOID.COMMON_NAME,
    ]
    ski = _extension(cert, x509.SubjectKeyIdentifier).value
    assert ski == x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    assert _extension(cert, x509.AuthorityKeyIdentifier).value.key_identifier == ski.digest
    assert _extension(cert, x509.BasicConstraints).value.path_length == 0


def test_crl_lists_revoked_certificates_with_reason_and_invalidity_date(authority, signer):
    ca_key, ca_cert = authority
    _, cert = signer
    since = datetime(2026, 5, 1, 8, 30, tzinfo=UTC)
    revoked_at = datetime(2026, 5, 2, 9, 0, tzinfo=UTC)
    now = datetime(2026, 5, 3, tzinfo=UTC)
    entry = RevokedCertificate(cert.serial_number, revoked_at, since)
    crl = build_crl(ca_key, ca_cert, [entry], now=now)
    assert crl.is_signature_valid(ca_cert.public_key())
    assert crl.issuer == ca_cert.subject
    assert crl.last_update_utc == now and crl.next_update_utc > now
    listed = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
    assert listed is not None and listed.revocation_date_utc == revoked_at
    reason = listed.extensions.get_extension_for_class(x509.CRLReason).value.reason
    assert reason is x509.ReasonFlags.key_compromise
    invalidity = listed.extensions.get_extension_for_class(x509.InvalidityDate).value
    assert invalidity.invalidity_date_utc == since
    later = build_crl(ca_key, ca_cert, [entry], now=now + timedelta(hours=1))
    number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    assert later.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number > number


def test_ca_is_valid_for_twenty_years(authority):
    _, cert = authority
    span = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert 365 * 20 - 1 <= span.days <= 366 * 20


def test_signing_certificate_chains_to_the_ca(authority, signer):
    _, ca_cert = authority
    _, cert = signer
    cert.verify_directly_issued_by(ca_cert)
    assert cert.issuer == ca_cert.subject


def test_signing_certificate_does_not_chain_to_another_ca(signer):
    _, stranger = create_certificate_authority("The Portal Root CA")
    with pytest.raises(InvalidSignature):
        signer[1].verify_directly_issued_by(stranger)


def test_signing_certificate_extensions(authority, signer):
    _, ca_cert = authority
    key, cert = signer
    usage = _extension(cert, x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign and not usage.value.crl_sign
    assert not _extension(cert, x509.BasicConstraints).value.ca
    purposes = _extension(cert, x509.ExtendedKeyUsage)
    assert not purposes.critical
    # emailProtection is what NSS (poppler's pdfsig) requires of a PDF signer.
    assert list(purposes.value) == [
        ExtendedKeyUsageOID.EMAIL_PROTECTION,
        DOCUMENT_SIGNING,
        MS_DOCUMENT_SIGNING,
    ]
    points = _extension(cert, x509.CRLDistributionPoints).value
    assert [n.value for p in points for n in p.full_name] == [CRL_URL]
    ski = _extension(cert, x509.SubjectKeyIdentifier).value
    assert ski == x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    aki = _extension(cert, x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == _extension(ca_cert, x509.SubjectKeyIdentifier).value.digest


def test_signing_certificate_names_the_manufacturer_in_chinese(signer):
    _, cert = signer
    reread = load_certificate_pem(certificate_pem(cert))
    assert reread == cert
    subject = reread.subject
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == ORGANISATION
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "比亚迪 售后服务确认函"


def test_signing_certificate_validity_starts_now_and_lasts_five_years(authority):
    ca_key, ca_cert = authority
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    cert = issue_signing_certificate(
        ca_key,
        ca_cert,
        organisation_name="BYD",
        common_name="BYD",
        public_key=generate_ec_key().public_key(),
        now=now,
    )
    assert cert.not_valid_before_utc <= now
    assert (now - cert.not_valid_before_utc).total_seconds() <= 600
    assert cert.not_valid_after_utc.year == 2031


def test_validity_from_29_february_ends_on_28_february(authority):
    ca_key, ca_cert = authority
    cert = issue_signing_certificate(
        ca_key,
        ca_cert,
        organisation_name="BYD",
        common_name="BYD",
        public_key=generate_ec_key().public_key(),
        now=datetime(2028, 2, 29, 12, 0, tzinfo=UTC),
    )
    assert cert.not_valid_after_utc.date().isoformat() == "2033-02-28"


def test_load_certificate_pem_rejects_garbage():
    with pytest.raises(ValueError):
        load_certificate_pem(b"-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n")


def test_ec_key_seal_round_trip(signer):
    key, _ = signer
    blob = seal_ec_key(key, MASTER, aad=b"cert:1")
    opened = open_ec_key(blob, MASTER, aad=b"cert:1")
    assert opened.private_numbers() == key.private_numbers()


def test_ec_key_blob_fails_with_wrong_master_key_or_owner(signer):
    key, _ = signer
    blob = seal_ec_key(key, MASTER, aad=b"cert:1")
    with pytest.raises(MasterKeyError):
        open_ec_key(blob, bytes(32), aad=b"cert:1")
    with pytest.raises(MasterKeyError):
        open_ec_key(blob, MASTER, aad=b"cert:2")


def test_open_ec_key_refuses_an_ed25519_key():
    blob = seal_private_key(generate_signing_key(), MASTER, aad=b"k")
    with pytest.raises(MasterKeyError, match="not an EC key"):
        open_ec_key(blob, MASTER, aad=b"k")


def _as_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def test_pyhanko_signs_a_pdf_that_validates_against_the_ca(authority, signer):
    """The certificates are what pyHanko needs for a PAdES signature (key usage included)."""
    (_, ca_cert), (key, cert) = authority, signer
    der_key = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    pdf = io.BytesIO()
    canvas = Canvas(pdf)
    canvas.drawString(72, 720, "After-Sales Service Confirmation")
    canvas.save()
    signed = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf.getvalue())),
        signers.PdfSignatureMetadata(field_name="Seal", subfilter=SigSeedSubFilter.PADES),
        signer=signers.SimpleSigner(
            signing_cert=_as_asn1(cert),
            signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
            cert_registry=SimpleCertificateStore.from_certs([_as_asn1(ca_cert)]),
        ),
    )
    status = validate_pdf_signature(
        PdfFileReader(signed).embedded_signatures[0],
        ValidationContext(trust_roots=[_as_asn1(ca_cert)]),
    )
    assert status.intact and status.valid and status.trusted
    assert status.bottom_line


def test_certificate_keys_of_either_kind_round_trip(signer):
    ec_key, _ = signer
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for key in (ec_key, rsa_key):
        blob = seal_certificate_key(key, MASTER, aad=b"cert:1")
        assert open_certificate_key(blob, MASTER, aad=b"cert:1").private_numbers() == (
            key.private_numbers()
        )
    with pytest.raises(MasterKeyError):
        open_certificate_key(blob, MASTER, aad=b"cert:2")


def test_ec_keys_sealed_before_rsa_was_accepted_still_open(signer):
    key, _ = signer
    blob = seal_ec_key(key, MASTER, aad=b"cert:1")
    assert open_certificate_key(blob, MASTER, aad=b"cert:1").private_numbers() == (
        key.private_numbers()
    )


def test_open_certificate_key_refuses_an_ed25519_key():
    blob = seal_private_key(generate_signing_key(), MASTER, aad=b"k")
    with pytest.raises(MasterKeyError, match="not an EC or RSA key"):
        open_certificate_key(blob, MASTER, aad=b"k")
