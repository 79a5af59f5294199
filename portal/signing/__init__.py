"""Seals for After-Sales Service Confirmation letters, and their verification.

Pure Python: nothing here knows about Flask or the database. The pieces:

- :mod:`keys` Ed25519 seal keys, key ids, private keys sealed under the master key;
- :mod:`certificates` the X.509 certificates for the PDF signature;
- :mod:`payload` the sealed claims (canonical CBOR, full and compact forms);
- :mod:`seal` COSE_Sign1 signing and verification;
- :mod:`token` token text, verification URL and short code;
- :mod:`qr` QR codes of verification URLs;
- :mod:`issuing` choosing the claims form that keeps the QR code small;
- :mod:`keyset` the published key set;
- :mod:`offline` the verdict from seal and key set alone.
"""

from portal.signing.errors import (
    KeysetError,
    MasterKeyError,
    QrTooLarge,
    SignatureInvalid,
    SigningError,
    TokenError,
    UnknownKey,
)
from portal.signing.issuing import IssuedToken, choose_claims_form
from portal.signing.keys import (
    generate_signing_key,
    kid_for,
    kid_text,
    load_public_key,
    new_master_key_text,
    open_private_key,
    parse_kid_text,
    parse_master_key,
    public_key_bytes,
    seal_private_key,
)
from portal.signing.keyset import KeyRecord, dump_keyset, load_keyset
from portal.signing.offline import OfflineVerdict, VerdictNote, offline_verdict
from portal.signing.payload import (
    Claims,
    ClaimsForm,
    CompactClaims,
    LetterClaims,
    canonical_digest,
    decode_claims,
    encode_claims,
    truncated_digest,
)
from portal.signing.qr import QrImage, qr_matrix, qr_png, qr_version
from portal.signing.seal import VerifiedToken, peek_kid, sign_claims, verify_token
from portal.signing.token import (
    decode_token,
    encode_token,
    normalise_short_code,
    short_code,
    verification_url,
)

__all__ = [
    "Claims",
    "ClaimsForm",
    "CompactClaims",
    "IssuedToken",
    "KeyRecord",
    "KeysetError",
    "LetterClaims",
    "MasterKeyError",
    "OfflineVerdict",
    "QrImage",
    "QrTooLarge",
    "SignatureInvalid",
    "SigningError",
    "TokenError",
    "UnknownKey",
    "VerdictNote",
    "VerifiedToken",
    "canonical_digest",
    "choose_claims_form",
    "decode_claims",
    "decode_token",
    "dump_keyset",
    "encode_claims",
    "encode_token",
    "generate_signing_key",
    "kid_for",
    "kid_text",
    "load_keyset",
    "load_public_key",
    "new_master_key_text",
    "normalise_short_code",
    "offline_verdict",
    "open_private_key",
    "parse_kid_text",
    "parse_master_key",
    "peek_kid",
    "public_key_bytes",
    "qr_matrix",
    "qr_png",
    "qr_version",
    "seal_private_key",
    "short_code",
    "sign_claims",
    "truncated_digest",
    "verification_url",
    "verify_token",
]
