"""The claims sealed in a letter's token: an RFC 8392 CWT claims set (version 2), and the
integer-keyed map of version 1 that older letters carry. The layouts, their encoding and
their strict decoding are the verifier's (:mod:`portal_verify.claims`, docs/token.md): one
implementation for the Portal and for relying parties. This module adds the digests the
Portal binds into claims."""

from __future__ import annotations

import hashlib

import cbor2
from portal_verify.checks import DIGEST_LENGTH
from portal_verify.claims import (
    CLAIMS_VERSION,
    LEGACY_VERSION,
    MAX_PAYLOAD_BYTES,
    Claims,
    ClaimsForm,
    CompactClaims,
    LetterClaims,
    decode_claims,
    encode_claims,
    token_digest,
)

__all__ = [
    "CLAIMS_VERSION",
    "LEGACY_VERSION",
    "MAX_PAYLOAD_BYTES",
    "Claims",
    "ClaimsForm",
    "CompactClaims",
    "LetterClaims",
    "canonical_digest",
    "decode_claims",
    "encode_claims",
    "token_digest",
    "truncated_digest",
]


def truncated_digest(data: bytes) -> bytes:
    """Return SHA-256 of ``data`` truncated to 16 bytes."""
    return hashlib.sha256(data).digest()[:DIGEST_LENGTH]


def canonical_digest(value: object) -> bytes:
    """Return the 16-byte digest of a value's canonical CBOR (for outlet lists, records)."""
    return truncated_digest(cbor2.dumps(value, canonical=True))
