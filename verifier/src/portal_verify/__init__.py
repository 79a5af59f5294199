"""Offline verification of the Portal's After-Sales Service Confirmation letters.

Pure Python on cbor2 and cryptography: the token (:mod:`token`), its COSE_Sign1 envelope
(:mod:`cose`), the CWT claims (:mod:`claims`), the published JWK Set (:mod:`keyset`), the
signed revocation list (:mod:`revocations`), the verdict (:mod:`verdict`) and the
``portal-verify`` command (:mod:`cli`). The Portal itself checks tokens with this package.
"""

from portal_verify.claims import (
    Claims,
    ClaimsForm,
    CompactClaims,
    LetterClaims,
    decode_claims,
    encode_claims,
    token_digest,
)
from portal_verify.cose import Sign1, parse_sign1, sign1
from portal_verify.errors import (
    KeysetError,
    RevocationListError,
    SignatureInvalid,
    TokenError,
    UnknownKey,
    VerifyError,
)
from portal_verify.keyset import KeyRecord, KeySet, dump_keyset, kid_of, load_keyset
from portal_verify.revocations import RevocationList, load_revocation_list
from portal_verify.token import decode_token, encode_token
from portal_verify.verdict import Note, TokenCheck, Verdict, check_token

__all__ = [
    "Claims",
    "ClaimsForm",
    "CompactClaims",
    "KeyRecord",
    "KeySet",
    "KeysetError",
    "LetterClaims",
    "Note",
    "RevocationList",
    "RevocationListError",
    "Sign1",
    "SignatureInvalid",
    "TokenCheck",
    "TokenError",
    "UnknownKey",
    "Verdict",
    "VerifyError",
    "check_token",
    "decode_claims",
    "decode_token",
    "dump_keyset",
    "encode_claims",
    "encode_token",
    "kid_of",
    "load_keyset",
    "load_revocation_list",
    "parse_sign1",
    "sign1",
    "token_digest",
]
