"""X.509 certificates for the PDF (PAdES) signature of each letter, and the authority's CRL.

The Portal runs a small certificate authority of its own: a root naming the operator
(organisation and country). Each manufacturer gets an EC P-256 signing certificate issued by
it, naming the manufacturer (organisation, possibly in Chinese). The profile is the one PDF
readers accept for a document signer: key usage digitalSignature and nonRepudiation, extended
key usage emailProtection (which NSS, and so poppler's ``pdfsig``, requires of a PDF signer)
beside the document-signing purposes, key identifiers, and a CRL distribution point.
P-256 rather than RSA because signing a PDF with it is much faster in pyHanko. A manufacturer
may upload a certificate of its own, with an EC or an RSA key (commercial CAs mostly issue
RSA). Private keys are sealed under the master key exactly like Ed25519 keys (see :mod:`keys`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from portal.signing.errors import MasterKeyError
from portal.signing.keys import open_sealed_key, seal_private_key

# id-kp-documentSigning (RFC 9336): the purpose this certificate is for.
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
# Microsoft Document Signing: older PDF readers (Adobe Acrobat among them) know this one,
# and reject a signer whose extended key usage names only purposes they do not know.
MS_DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.4.1.311.10.3.12")
# The purposes of a manufacturer's certificate. emailProtection is what NSS checks for the
# signer of a PDF (poppler's pdfsig reports "Unknown issue with Certificate" without it);
# Adobe Reader accepts it too.
SIGNER_PURPOSES = (ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING, MS_DOCUMENT_SIGNING)
# The kinds of private key a PDF signing certificate may have.
CertificateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
# Backdating notBefore a little keeps a certificate valid on a verifier whose clock is slow.
_CLOCK_SKEW = timedelta(minutes=5)
# A CRL is due again a week after it is issued; the Portal issues a fresh one on every fetch.
CRL_VALIDITY = timedelta(days=7)


def generate_ec_key() -> ec.EllipticCurvePrivateKey:
    """Return a new random EC P-256 private key."""
    return ec.generate_private_key(ec.SECP256R1())


def authority_name(common_name: str, organisation: str, country: str) -> x509.Name:
    """Return the distinguished name of a root: country, organisation, common name."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def create_certificate_authority(
    name: x509.Name | str, *, valid_years: int = 20, now: datetime | None = None
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """Return a new CA key and its self-signed certificate (CA:TRUE with a path length of
    0, since it certifies signers directly; keyCertSign and cRLSign; key identifiers)."""
    if isinstance(name, str):
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    key = generate_ec_key()
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    builder = (
        _base_builder(name, name, key.public_key(), valid_years, now)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
    )
    return key, builder.sign(key, hashes.SHA256())


def issue_signing_certificate(
    ca_key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    *,
    organisation_name: str,
    common_name: str,
    public_key: ec.EllipticCurvePublicKey,
    country: str | None = None,
    crl_url: str | None = None,
    valid_years: int = 5,
    now: datetime | None = None,
) -> x509.Certificate:
    """Return a document-signing certificate for ``public_key`` issued by the CA, pointing
    to the CA's CRL at ``crl_url``."""
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, country)] if country else []
    subject = x509.Name(
        [
            *attributes,
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation_name),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        _base_builder(subject, ca_cert.subject, public_key, valid_years, now)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(
            # Non-critical, so that software that knows none of the purposes still accepts it.
            x509.ExtendedKeyUsage(list(SIGNER_PURPOSES)),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
    )
    if crl_url:
        point = x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(crl_url)],
            relative_name=None,
            reasons=None,
            crl_issuer=None,
        )
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    return builder.sign(ca_key, hashes.SHA256())


@dataclass(frozen=True)
class RevokedCertificate:
    """A certificate the authority revoked: when, and since when its key is not to be trusted."""

    serial_number: int
    revoked_at: datetime
    invalid_since: datetime | None = None
    reason: x509.ReasonFlags = x509.ReasonFlags.key_compromise


def build_crl(
    ca_key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    revoked: list[RevokedCertificate],
    *,
    now: datetime,
    valid_for: timedelta = CRL_VALIDITY,
) -> x509.CertificateRevocationList:
    """Return the authority's CRL listing ``revoked`` (with reason and invalidity date),
    issued ``now`` and due again ``valid_for`` later. The CRL number grows with the time of
    issue, so a later list always has the higher number."""
    this_update = now.replace(microsecond=0)
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(this_update)
        .next_update(this_update + valid_for)
        .add_extension(x509.CRLNumber(int(this_update.timestamp())), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
    )
    for entry in revoked:
        item = (
            x509.RevokedCertificateBuilder()
            .serial_number(entry.serial_number)
            .revocation_date(entry.revoked_at.replace(microsecond=0))
            .add_extension(x509.CRLReason(entry.reason), critical=False)
        )
        if entry.invalid_since is not None:
            item = item.add_extension(
                x509.InvalidityDate(entry.invalid_since.replace(microsecond=0, tzinfo=None)),
                critical=False,
            )
        builder = builder.add_revoked_certificate(item.build())
    return builder.sign(ca_key, hashes.SHA256())


def sha256_fingerprint(cert: x509.Certificate) -> str:
    """Return the certificate's SHA-256 fingerprint as colon-separated upper-case hex, the
    way certutil, openssl and PDF readers show it."""
    return ":".join(f"{byte:02X}" for byte in cert.fingerprint(hashes.SHA256()))


def subject_key_id(cert: x509.Certificate) -> bytes | None:
    """Return the certificate's subject key identifier, if it has one."""
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except x509.ExtensionNotFound:
        return None


def authority_key_id(cert: x509.Certificate) -> bytes | None:
    """Return the key identifier of the certificate's issuer, if it names one."""
    try:
        ext = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    except x509.ExtensionNotFound:
        return None
    return ext.key_identifier


def certificate_pem(cert: x509.Certificate) -> bytes:
    """Return the certificate in PEM form."""
    return cert.public_bytes(serialization.Encoding.PEM)


def load_certificate_pem(data: bytes) -> x509.Certificate:
    """Return the certificate read from PEM bytes; ValueError if they are not one."""
    return x509.load_pem_x509_certificate(data)


def seal_ec_key(key: ec.EllipticCurvePrivateKey, master_key: bytes, *, aad: bytes) -> bytes:
    """Return the EC private key sealed under the master key (same format as Ed25519)."""
    return seal_private_key(key, master_key, aad=aad)


def open_ec_key(blob: bytes, master_key: bytes, *, aad: bytes) -> ec.EllipticCurvePrivateKey:
    """Return the EC private key sealed in ``blob``; MasterKeyError on failure."""
    key = open_sealed_key(blob, master_key, aad=aad)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise MasterKeyError("the sealed private key is not an EC key")
    return key


def seal_certificate_key(key: CertificateKey, master_key: bytes, *, aad: bytes) -> bytes:
    """Return the EC or RSA private key sealed under the master key."""
    return seal_private_key(key, master_key, aad=aad)


def open_certificate_key(blob: bytes, master_key: bytes, *, aad: bytes) -> CertificateKey:
    """Return the EC or RSA private key sealed in ``blob``; MasterKeyError on failure.

    Opens blobs sealed by :func:`seal_ec_key` too: the format is the same."""
    key = open_sealed_key(blob, master_key, aad=aad)
    if not isinstance(key, CertificateKey):
        raise MasterKeyError("the sealed private key is not an EC or RSA key")
    return key


def _base_builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    valid_years: int,
    now: datetime | None,
) -> x509.CertificateBuilder:
    start = (now or datetime.now(UTC)).replace(microsecond=0) - _CLOCK_SKEW
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(_add_years(start, valid_years))
    )


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=not cert_sign,  # nonRepudiation
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February in a year that has none
        return moment.replace(year=moment.year + years, day=28)
