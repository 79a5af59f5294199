"""Checking a certificate and key a manufacturer uploads for its PDF signatures."""

from __future__ import annotations

from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask_babel import gettext as _

from portal.errors import ValidationError

MAX_PEM = 64 * 1024


def checked_upload(
    certificate_pem: bytes, key_pem: bytes, password: str | None, chain_pem: bytes, *, now: datetime
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey, tuple[x509.Certificate, ...]]:
    """Returns the certificate, its key and the chain, or raises ValidationError."""
    if max(len(certificate_pem), len(key_pem), len(chain_pem)) > MAX_PEM:
        raise ValidationError(_("A PEM file has at most 64 KB."), field="certificate")
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
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValidationError(_("The key must be an elliptic-curve (EC) key."), field="private_key")
    if key.public_key().public_numbers() != cert.public_key().public_numbers():
        raise ValidationError(
            _("The private key does not belong to the certificate."), field="private_key"
        )
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise ValidationError(_("The certificate is not valid now."), field="certificate")
    _require_signing_usage(cert)
    try:
        chain = tuple(x509.load_pem_x509_certificates(chain_pem)) if chain_pem.strip() else ()
    except ValueError:
        raise ValidationError(
            _("The issuing certificates are not PEM certificates."), field="chain"
        ) from None
    return cert, key, chain


def _require_signing_usage(cert: x509.Certificate) -> None:
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not (usage.digital_signature or usage.content_commitment):
        raise ValidationError(
            _("The certificate does not allow signing documents."), field="certificate"
        )
