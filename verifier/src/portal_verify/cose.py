"""COSE_Sign1 (RFC 9052 §4.2) with Ed25519, in the one shape the Portal signs.

A Portal signature is CBOR tag 18 around ``[protected, {}, payload, signature]``:
``protected`` is the bstr-wrapped map ``{1: -8, 4: kid}`` (alg EdDSA, an 8-byte key id),
the unprotected header is the empty map, and ``signature`` is 64 bytes of Ed25519 over the
Sig_structure ``["Signature1", protected, h'', payload]``.

Because the shape is fixed, the envelope is read byte by byte rather than decoded and
encoded again: every length must be in its shortest form and nothing may follow, so a token
has exactly one spelling and a flipped bit anywhere breaks it. The payload is left as bytes:
nothing in it is read before its signature has checked out.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from portal_verify.errors import SignatureInvalid, TokenError

COSE_SIGN1_TAG = 18
ALG_EDDSA = -8
KID_LENGTH = 8
SIGNATURE_LENGTH = 64
# {1: -8, 4: h'<8 bytes>'} in canonical CBOR: map(2), 1, -8, 4, bstr(8).
_PROTECTED_PREFIX = bytes.fromhex("a20127044" + "8")
_PROTECTED_LENGTH = len(_PROTECTED_PREFIX) + KID_LENGTH
_ENVELOPE_START = bytes([0xD2, 0x84])  # tag 18, array(4)
_SIG1_CONTEXT = bytes([0x84, 0x6A]) + b"Signature1"


@dataclass(frozen=True, slots=True)
class Sign1:
    """A COSE_Sign1 read but not yet verified."""

    protected: bytes
    kid: bytes
    payload: bytes
    signature: bytes

    def signed_bytes(self) -> bytes:
        """Return the Sig_structure the signature covers."""
        return sig_structure(self.protected, self.payload)

    def verify(self, public_key: Ed25519PublicKey) -> None:
        """Return nothing if the signature is the key's over this structure; else raise."""
        try:
            public_key.verify(self.signature, self.signed_bytes())
        except InvalidSignature:
            raise SignatureInvalid("the signature does not match the signed data") from None


def protected_header(kid: bytes) -> bytes:
    """Return the protected header naming EdDSA and ``kid``."""
    if len(kid) != KID_LENGTH:
        raise ValueError(f"a key id is {KID_LENGTH} bytes")
    return _PROTECTED_PREFIX + kid


def sign1(payload: bytes, private_key: Ed25519PrivateKey, kid: bytes) -> bytes:
    """Return the COSE_Sign1 bytes of ``payload`` signed with ``private_key`` under ``kid``."""
    protected = protected_header(kid)
    signature = private_key.sign(sig_structure(protected, payload))
    return (
        _ENVELOPE_START
        + _bstr_head(len(protected))
        + protected
        + b"\xa0"
        + _bstr_head(len(payload))
        + payload
        + _bstr_head(SIGNATURE_LENGTH)
        + signature
    )


def sig_structure(protected: bytes, payload: bytes) -> bytes:
    """Return ``["Signature1", protected, h'', payload]`` in canonical CBOR."""
    return (
        _SIG1_CONTEXT
        + _bstr_head(len(protected))
        + protected
        + b"\x40"
        + _bstr_head(len(payload))
        + payload
    )


def parse_sign1(data: bytes, *, max_bytes: int) -> Sign1:
    """Return the parts of a Portal COSE_Sign1; TokenError if it is anything else."""
    if not isinstance(data, bytes):
        raise TokenError("not_cose", "a signed structure is bytes")
    if len(data) > max_bytes:
        raise TokenError("too_long", f"a signed structure is at most {max_bytes} bytes")
    if data[:2] != _ENVELOPE_START:
        raise TokenError("not_cose", "not a tagged COSE_Sign1 structure")
    protected, pos = _read_bstr(data, 2)
    if len(protected) != _PROTECTED_LENGTH or protected[:-KID_LENGTH] != _PROTECTED_PREFIX:
        raise TokenError("bad_header", "the protected header must be {1: -8, 4: 8-byte kid}")
    # Nothing goes unprotected: every header this format uses is covered by the signature.
    if data[pos : pos + 1] != b"\xa0":
        raise TokenError("bad_header", "the unprotected header must be empty")
    payload, pos = _read_bstr(data, pos + 1)
    signature, pos = _read_bstr(data, pos)
    if len(signature) != SIGNATURE_LENGTH:
        raise TokenError("not_cose", "an Ed25519 signature is 64 bytes")
    if pos != len(data):
        raise TokenError("not_cose", "bytes follow the COSE_Sign1 structure")
    return Sign1(protected, protected[-KID_LENGTH:], payload, signature)


def _bstr_head(length: int) -> bytes:
    if length < 24:
        return bytes([0x40 + length])
    if length < 0x100:
        return bytes([0x58, length])
    if length < 0x10000:
        return bytes([0x59]) + length.to_bytes(2, "big")
    return bytes([0x5A]) + length.to_bytes(4, "big")


def _read_bstr(data: bytes, pos: int) -> tuple[bytes, int]:
    if pos >= len(data):
        raise TokenError("not_cose", "the COSE_Sign1 structure is cut short")
    initial = data[pos]
    if initial >> 5 != 2:
        raise TokenError("not_cose", "COSE_Sign1 parts have the wrong types")
    info = initial & 0x1F
    if info < 24:
        length, pos = info, pos + 1
    elif info in (24, 25, 26):
        size = 1 << (info - 24)
        length = int.from_bytes(data[pos + 1 : pos + 1 + size], "big")
        # Shortest form only: a length that fit a smaller head is a second spelling.
        if pos + 1 + size > len(data) or length < (24 if size == 1 else 1 << (4 * size)):
            raise TokenError("not_cose", "a length is not in its shortest form")
        pos += 1 + size
    else:
        raise TokenError("not_cose", "indefinite or over-long lengths are not allowed")
    end = pos + length
    if end > len(data):
        raise TokenError("not_cose", "the COSE_Sign1 structure is cut short")
    return data[pos:end], end
