"""X.509 certificates for the PDF (PAdES) signature of each letter.

The Portal runs a small certificate authority of its own; each manufacturer gets an EC P-256
signing certificate issued by it, naming the manufacturer (organisation, possibly in Chinese).
P-256 rather than RSA because signing a PDF with it is much faster in pyHanko. A manufacturer
may upload a certificate of its own, with an EC or an RSA key (commercial CAs mostly issue
RSA). Private keys are sealed under the master key exactly like Ed25519 keys (see :mod:`keys`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID, ObjectIdentifier

from portal.signing.errors import MasterKeyError
from portal.signing.keys import open_sealed_key, seal_private_key

# id-kp-documentSigning (RFC 9336): the purpose this certificate is for.
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
# Microsoft Document Signing: older PDF readers (Adobe Acrobat among them) know this one,
# and reject a signer whose extended key usage names only purposes they do not know.
MS_DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.4.1.311.10.3.12")
# The kinds of private key a PDF signing certificate may have.
CertificateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
# Backdating notBefore a little keeps a certificate valid on a verifier whose clock is slow.
_CLOCK_SKEW = timedelta(minutes=5)


def generate_ec_key() -> ec.EllipticCurvePrivateKey:
    """Return a new random EC P-256 private key."""
    return ec.generate_private_key(ec.SECP256R1())


def create_certificate_authority(
    common_name: str, *, valid_years: int = 20, now: datetime | None = None
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """Return a new CA key and its self-signed certificate (CA:TRUE, keyCertSign, cRLSign)."""
    key = generate_ec_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    builder = (
        _base_builder(name, name, key.public_key(), valid_years, now)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(ski, critical=False)
    )
    return key, builder.sign(key, hashes.SHA256())


def issue_signing_certificate(
    ca_key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    *,
    organisation_name: str,
    common_name: str,
    public_key: ec.EllipticCurvePublicKey,
    valid_years: int = 5,
    now: datetime | None = None,
) -> x509.Certificate:
    """Return a document-signing certificate for ``public_key`` issued by the CA."""
    subject = x509.Name(
        [
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
            # Non-critical, so that software that knows neither purpose still accepts it.
            x509.ExtendedKeyUsage([DOCUMENT_SIGNING, MS_DOCUMENT_SIGNING]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
    )
    return builder.sign(ca_key, hashes.SHA256())


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
