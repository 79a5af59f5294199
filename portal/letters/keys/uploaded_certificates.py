"""Checking a certificate and key a manufacturer uploads for its PDF signatures: PEM files
(certificate, EC or RSA key, issuing certificates) or one PKCS#12 file holding them all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from flask_babel import gettext as _

from portal.errors import ValidationError
from portal.signing.certificates import CertificateKey

MAX_FILE = 64 * 1024
MIN_RSA_BITS = 2048


@dataclass(frozen=True)
class UploadedCertificate:
    """A checked upload: the certificate, its private key and the issuing certificates."""

    certificate: x509.Certificate
    key: CertificateKey
    chain: tuple[x509.Certificate, ...]


def checked_upload(
    certificate_pem: bytes, key_pem: bytes, password: str | None, chain_pem: bytes, *, now: datetime
) -> UploadedCertificate:
    """Returns the PEM certificate, its key and the chain, checked; or raises ValidationError."""
    _check_sizes(certificate_pem, key_pem, chain_pem)
    try:
        cert = x509.load_pem_x509_certificate(certificate_pem)
    except ValueError:
        raise ValidationError(
            _("The certificate is not a PEM certificate."), field="certificate"
        ) from None
    try:
        key = serialization.load_pem_private_key(key_pem, password.encode() if password else None)
    except (ValueError, TypeError):
        raise ValidationError(
            _("The private key cannot be read: not PEM, or the password is wrong."),
            field="private_key",
        ) from None
    return _checked(cert, key, _chain(chain_pem), now)


def checked_pkcs12(
    data: bytes, password: str | None, chain_pem: bytes, *, now: datetime
) -> UploadedCertificate:
    """Returns the certificate, key and chain held in a PKCS#12 file (plus any issuing
    certificates given as PEM), checked; or raises ValidationError."""
    _check_sizes(data, chain_pem)
    try:
        bundle = pkcs12.load_pkcs12(data, password.encode() if password else None)
    except ValueError:
        raise _pkcs12_error(data) from None
    if bundle.key is None or bundle.cert is None:
        raise ValidationError(
            _("The PKCS#12 file must hold the certificate and its private key."), field="pkcs12"
        )
    chain = tuple(c.certificate for c in bundle.additional_certs) + _chain(chain_pem)
    return _checked(bundle.cert.certificate, bundle.key, chain, now)


def _pkcs12_error(data: bytes) -> ValidationError:
    # cryptography says the same for a wrong password and for a damaged file; a file whose
    # outer structure reads as PKCS#12 failed on its password.
    if _reads_as_pkcs12(data):
        return ValidationError(_("The password of the PKCS#12 file is wrong."), field="password")
    return ValidationError(_("The file is not a PKCS#12 (.p12, .pfx) file."), field="pkcs12")


def _reads_as_pkcs12(data: bytes) -> bool:
    try:
        return asn1_pkcs12.Pfx.load(data, strict=True).native is not None
    except (ValueError, TypeError):
        return False


def _check_sizes(*files: bytes) -> None:
    if max(len(f) for f in files) > MAX_FILE:
        raise ValidationError(
            _("A certificate or key file has at most 64 KB."), field="certificate"
        )


def _chain(chain_pem: bytes) -> tuple[x509.Certificate, ...]:
    if not chain_pem.strip():
        return ()
    try:
        return tuple(x509.load_pem_x509_certificates(chain_pem))
    except ValueError:
        raise ValidationError(
            _("The issuing certificates are not PEM certificates."), field="chain"
        ) from None


def _checked(
    cert: x509.Certificate, key: object, chain: tuple[x509.Certificate, ...], now: datetime
) -> UploadedCertificate:
    key = _signing_key(key)
    if _public_der(key.public_key()) != _public_der(cert.public_key()):
        raise ValidationError(
            _("The private key does not belong to the certificate."), field="private_key"
        )
    _require_valid_at(cert, now)
    _require_signing_usage(cert)
    return UploadedCertificate(cert, key, chain)


def _signing_key(key: object) -> CertificateKey:
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size < MIN_RSA_BITS:
        raise ValidationError(
            _(
                "The RSA key has %(bits)d bits; a signing key needs at least %(minimum)d.",
                bits=key.key_size,
                minimum=MIN_RSA_BITS,
            ),
            field="private_key",
        )
    if not isinstance(key, CertificateKey):
        raise ValidationError(
            _("The key must be an RSA key (2048 bits or more) or an elliptic-curve (EC) key."),
            field="private_key",
        )
    return key


def _public_der(public_key: object) -> bytes:
    return public_key.public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _require_valid_at(cert: x509.Certificate, now: datetime) -> None:
    if now > cert.not_valid_after_utc:
        raise ValidationError(
            _(
                "The certificate expired on %(date)s.",
                date=cert.not_valid_after_utc.date().isoformat(),
            ),
            field="certificate",
        )
    if now < cert.not_valid_before_utc:
        raise ValidationError(
            _(
                "The certificate is valid only from %(date)s.",
                date=cert.not_valid_before_utc.date().isoformat(),
            ),
            field="certificate",
        )


def _require_signing_usage(cert: x509.Certificate) -> None:
    # PDF readers, and the check of a letter's signature, need a key usage that allows
    # signing (digital signature or non-repudiation); a certificate that names none (a
    # TLS certificate, say) signs letters that fail those checks.
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is None or not (usage.digital_signature or usage.content_commitment):
        raise ValidationError(
            _("The certificate does not allow signing documents."),
            field="certificate",
        )


def read_upload(
    *,
    pkcs12_file: bytes,
    certificate_pem: bytes,
    key_pem: bytes,
    chain_pem: bytes,
    password: str | None,
    now: datetime,
) -> UploadedCertificate:
    """Returns the checked upload, from the PKCS#12 file if one was given, else from the PEM
    files; raises ValidationError."""
    if not pkcs12_file:
        return checked_upload(certificate_pem, key_pem, password, chain_pem, now=now)
    if certificate_pem or key_pem:
        raise ValidationError(
            _("Upload either a PKCS#12 file or the PEM certificate and key, not both."),
            field="pkcs12",
        )
    return checked_pkcs12(pkcs12_file, password, chain_pem, now=now)
