"""Sealing a letter into a token whose QR code stays small enough to scan from paper."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from portal.signing.errors import QrTooLarge
from portal.signing.payload import Claims, ClaimsForm, LetterClaims
from portal.signing.qr import DEFAULT_MAX_VERSION, qr_version
from portal.signing.seal import sign_claims
from portal.signing.token import encode_token, short_code, verification_url


@dataclass(frozen=True)
class IssuedToken:
    """A sealed letter in every form the Portal prints or stores."""

    form: ClaimsForm
    qr_version: int
    cose: bytes
    token: str
    url: str
    short_code: str


def choose_claims_form(
    claims: LetterClaims,
    private_key: Ed25519PrivateKey,
    base_url: str,
    *,
    record_digest: bytes,
    max_version: int = DEFAULT_MAX_VERSION,
) -> IssuedToken:
    """Return the letter sealed in full form if its QR code fits ``max_version``, else compact.

    ``record_digest`` (16 bytes, see :func:`payload.canonical_digest`) binds the compact form
    to the full letter record; the full form carries the claims themselves and leaves it out
    unless ``claims.record_digest`` is set. QrTooLarge if even the compact form does not fit.
    """
    try:
        return _issue(claims, private_key, base_url, max_version)
    except QrTooLarge:
        # Only the full form's size is negotiable; the compact form has to fit.
        return _issue(claims.compact(record_digest), private_key, base_url, max_version)


def _issue(
    claims: Claims, private_key: Ed25519PrivateKey, base_url: str, max_version: int
) -> IssuedToken:
    cose = sign_claims(claims, private_key)
    token = encode_token(cose)
    url = verification_url(base_url, token)
    return IssuedToken(
        form=claims.form,
        qr_version=qr_version(url, max_version=max_version),
        cose=cose,
        token=token,
        url=url,
        short_code=short_code(cose),
    )
