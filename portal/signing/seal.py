"""COSE_Sign1 seals (RFC 9052 §4.2) over letter claims, with Ed25519.

The envelope, its strict reading and the Sig_structure are the verifier's
(:mod:`portal_verify.cose`); the Portal adds signing with a manufacturer's key, whose kid
(first 8 bytes of SHA-256 over the raw public key) goes into the protected header.
Verification trusts nothing before the signature checks out: the envelope is read strictly,
the key looked up, the signature verified, and only then are the claims decoded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from portal_verify.cose import ALG_EDDSA, COSE_SIGN1_TAG, parse_sign1, sign1
from portal_verify.token import MAX_SEAL_BYTES

from portal.signing.errors import UnknownKey
from portal.signing.keys import kid_for
from portal.signing.payload import Claims, ClaimsForm, decode_claims, encode_claims

__all__ = [
    "ALG_EDDSA",
    "COSE_SIGN1_TAG",
    "MAX_SEAL_BYTES",
    "VerifiedToken",
    "peek_kid",
    "sign_claims",
    "verify_token",
]

KeyResolver = Callable[[bytes], Ed25519PublicKey | None]


@dataclass(frozen=True)
class VerifiedToken:
    """Claims whose seal was verified, with the key id that verified them."""

    claims: Claims
    kid: bytes
    form: ClaimsForm


def sign_claims(claims: Claims, private_key: Ed25519PrivateKey) -> bytes:
    """Return the COSE_Sign1 bytes sealing ``claims`` with ``private_key``."""
    return sign1(encode_claims(claims), private_key, kid_for(private_key.public_key()))


def verify_token(cose: bytes, resolve_key: KeyResolver) -> VerifiedToken:
    """Return the verified claims; TokenError, UnknownKey or SignatureInvalid otherwise."""
    signed = parse_sign1(cose, max_bytes=MAX_SEAL_BYTES)
    public_key = resolve_key(signed.kid)
    if public_key is None:
        raise UnknownKey(signed.kid)
    signed.verify(public_key)
    claims = decode_claims(signed.payload)
    return VerifiedToken(claims=claims, kid=signed.kid, form=claims.form)


def peek_kid(cose: bytes) -> bytes:
    """Return the key id named in the seal's header, without checking the signature."""
    return parse_sign1(cose, max_bytes=MAX_SEAL_BYTES).kid
