"""The published key set: a JWK Set (RFC 7517) of Ed25519 keys (RFC 8037) with the Portal's
own members. Its format, the kid rule and the loader are the verifier's
(:mod:`portal_verify.keyset`, docs/token.md), so the Portal publishes exactly what
relying parties read.

Keys are never removed from the set, only retired or marked compromised: a letter sealed
before its key's compromise stays genuine.
"""

from __future__ import annotations

from portal_verify.keyset import (
    PURPOSE_LETTERS,
    PURPOSE_REVOCATIONS,
    KeyRecord,
    KeySet,
    dump_keyset,
    kid_of,
    load_keyset,
)

__all__ = [
    "PURPOSE_LETTERS",
    "PURPOSE_REVOCATIONS",
    "KeyRecord",
    "KeySet",
    "dump_keyset",
    "kid_of",
    "load_keyset",
]
