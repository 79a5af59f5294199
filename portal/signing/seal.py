"""COSE_Sign1 seals (RFC 9052 §4.2) over letter claims, with Ed25519.

A seal is CBOR tag 18 around ``[protected, unprotected, payload, signature]`` where
``protected`` is the bstr-wrapped map ``{1: -8, 4: kid}`` (alg EdDSA, key id), ``unprotected``
is the empty map, ``payload`` is the canonical claims (:mod:`payload`) and ``signature`` is
Ed25519 over the Sig_structure ``["Signature1", protected, h'', payload]``.

Verification trusts nothing before the signature checks out: the structure and header are
parsed strictly, the key is looked up, the signature verified, and only then are the claims
decoded. Inputs longer than :data:`MAX_SEAL_BYTES` are refused before any parsing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from portal.signing.errors import SignatureInvalid, TokenError, UnknownKey
from portal.signing.keys import KID_LENGTH, kid_for
from portal.signing.payload import Claims, ClaimsForm, decode_claims, encode_claims

MAX_SEAL_BYTES = 1024
COSE_SIGN1_TAG = 18
ALG_EDDSA = -8
_HEADER_ALG = 1
_HEADER_KID = 4
_SIGNATURE_LENGTH = 64

KeyResolver = Callable[[bytes], Ed25519PublicKey | None]


@dataclass(frozen=True)
class VerifiedToken:
    """Claims whose seal was verified, with the key id that verified them."""

    claims: Claims
    kid: bytes
    form: ClaimsForm


@dataclass(frozen=True)
class _Sign1:
    protected: bytes
    kid: bytes
    payload: bytes
    signature: bytes


def sign_claims(claims: Claims, private_key: Ed25519PrivateKey) -> bytes:
    """Return the COSE_Sign1 bytes sealing ``claims`` with ``private_key``."""
    kid = kid_for(private_key.public_key())
    protected = cbor2.dumps({_HEADER_ALG: ALG_EDDSA, _HEADER_KID: kid}, canonical=True)
    payload = encode_claims(claims)
    signature = private_key.sign(_sig_structure(protected, payload))
    return cbor2.dumps(
        cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]), canonical=True
    )


def verify_token(cose: bytes, resolve_key: KeyResolver) -> VerifiedToken:
    """Return the verified claims; TokenError, UnknownKey or SignatureInvalid otherwise."""
    sign1 = _parse(cose)
    public_key = resolve_key(sign1.kid)
    if public_key is None:
        raise UnknownKey(sign1.kid)
    try:
        public_key.verify(sign1.signature, _sig_structure(sign1.protected, sign1.payload))
    except InvalidSignature:
        raise SignatureInvalid("the signature does not match the sealed data") from None
    claims = decode_claims(sign1.payload)
    return VerifiedToken(claims=claims, kid=sign1.kid, form=claims.form)


def peek_kid(cose: bytes) -> bytes:
    """Return the key id named in the seal's header, without checking the signature."""
    return _parse(cose).kid


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    return cbor2.dumps(["Signature1", protected, b"", payload], canonical=True)


def _parse(cose: bytes) -> _Sign1:
    if not isinstance(cose, bytes):
        raise TokenError("not_cose", "a seal is bytes")
    if len(cose) > MAX_SEAL_BYTES:
        raise TokenError("too_long", f"a seal is at most {MAX_SEAL_BYTES} bytes")
    outer = _strict_loads(cose, "not_cose", "not a COSE_Sign1 structure")
    if not isinstance(outer, cbor2.CBORTag) or outer.tag != COSE_SIGN1_TAG:
        raise TokenError("not_cose", "not a tagged COSE_Sign1 structure")
    parts = outer.value
    # cbor2 hands back tagged arrays and maps as tuple and frozendict from version 6 on.
    if not isinstance(parts, list | tuple) or len(parts) != 4:
        raise TokenError("not_cose", "a COSE_Sign1 structure has four parts")
    protected, unprotected, payload, signature = parts
    if not (type(protected) is bytes and type(payload) is bytes and type(signature) is bytes):
        raise TokenError("not_cose", "COSE_Sign1 parts have the wrong types")
    # Nothing goes unprotected: every header this format uses is covered by the signature.
    if not isinstance(unprotected, Mapping) or unprotected:
        raise TokenError("bad_header", "the unprotected header must be empty")
    if len(signature) != _SIGNATURE_LENGTH:
        raise TokenError("not_cose", "an Ed25519 signature is 64 bytes")
    return _Sign1(protected, _parse_protected(protected), payload, signature)


def _parse_protected(protected: bytes) -> bytes:
    header = _strict_loads(protected, "bad_header", "the protected header is not CBOR")
    if not isinstance(header, Mapping) or set(header) != {_HEADER_ALG, _HEADER_KID}:
        raise TokenError("bad_header", "the protected header must hold alg and kid only")
    alg, kid = header[_HEADER_ALG], header[_HEADER_KID]
    if type(alg) is not int or alg != ALG_EDDSA:
        raise TokenError("bad_header", "the algorithm must be EdDSA (-8)")
    if type(kid) is not bytes or len(kid) != KID_LENGTH:
        raise TokenError("bad_header", f"the key id must be {KID_LENGTH} bytes")
    return kid


def _strict_loads(data: bytes, code: str, message: str) -> object:
    try:
        value = cbor2.loads(data, allow_indefinite=False, allow_duplicate_keys=False, max_depth=4)
        # The one canonical spelling only: no trailing bytes, no over-long lengths, and so no
        # second encoding of the same seal (bit flips always break it).
        canonical = cbor2.dumps(value, canonical=True) == data
    except Exception as exc:  # the CBOR codec may raise many types on hostile bytes
        raise TokenError(code, message) from exc
    if not canonical:
        raise TokenError(code, f"{message} (not canonical)")
    return value
