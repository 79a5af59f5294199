"""The Portal's signed revocation list: which letters are revoked or superseded.

It is a COSE_Sign1 (the shape of :mod:`cose`) signed by a key of the key set whose purpose
is ``"revocations"`` (the Portal's authority), over this canonical CBOR map::

    {
      "version": 1,
      "issued_at": uint,        ; Unix seconds
      "next_update": uint,      ; Unix seconds: a newer list is published by then
      "revoked": [* [h'16-byte token digest', uint revoked at]],
      "superseded": [* [h'16-byte token digest', uint superseded at]],
    }

A letter is named by the digest of its token (:func:`claims.token_digest`: SHA-256 of the
COSE bytes, first 16 bytes), so the list tells nothing (no VIN, no number) to whoever does
not already hold the letter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import cbor2

from portal_verify.claims import token_digest
from portal_verify.cose import parse_sign1, sign1
from portal_verify.errors import (
    RevocationListError,
    SignatureInvalid,
    TokenError,
)
from portal_verify.keyset import PURPOSE_REVOCATIONS, KeyRecord

LIST_VERSION = 1
# Room for about 300,000 entries; a list is read whole, so it is bounded.
MAX_LIST_BYTES = 16 * 1024 * 1024
_MEMBERS = frozenset({"version", "issued_at", "next_update", "revoked", "superseded"})


@dataclass(frozen=True)
class RevocationList:
    """A verified revocation list."""

    issued_at: datetime
    next_update: datetime
    revoked: Mapping[bytes, datetime]
    superseded: Mapping[bytes, datetime]
    kid: bytes = b""

    def standing_of(self, cose: bytes) -> tuple[str, datetime] | None:
        """Return ("revoked" or "superseded", since when) for a token, or None if listed
        in neither."""
        digest = token_digest(cose)
        if digest in self.revoked:
            return "revoked", self.revoked[digest]
        if digest in self.superseded:
            return "superseded", self.superseded[digest]
        return None

    def is_stale(self, now: datetime) -> bool:
        """Return whether ``now`` is past the list's next update."""
        return now > self.next_update


def encode_revocation_payload(
    *,
    issued_at: datetime,
    next_update: datetime,
    revoked: Iterable[tuple[bytes, datetime]],
    superseded: Iterable[tuple[bytes, datetime]],
) -> bytes:
    """Return the canonical CBOR payload of a revocation list, entries in digest order."""
    return cbor2.dumps(
        {
            "version": LIST_VERSION,
            "issued_at": _seconds(issued_at),
            "next_update": _seconds(next_update),
            "revoked": sorted([digest, _seconds(at)] for digest, at in revoked),
            "superseded": sorted([digest, _seconds(at)] for digest, at in superseded),
        },
        canonical=True,
    )


def sign_revocation_list(payload: bytes, private_key, kid: bytes) -> bytes:
    """Return the COSE_Sign1 of a revocation list payload."""
    return sign1(payload, private_key, kid)


def load_revocation_list(data: bytes, keys: Mapping[bytes, KeyRecord]) -> RevocationList:
    """Return the verified list; RevocationListError if it is malformed, signed by a key
    that is not the authority's, or its signature does not hold."""
    try:
        signed = parse_sign1(data, max_bytes=MAX_LIST_BYTES)
    except TokenError as exc:
        raise RevocationListError(f"not a revocation list: {exc.message}") from None
    key = keys.get(signed.kid)
    if key is None or key.purpose != PURPOSE_REVOCATIONS:
        raise RevocationListError(
            f"the list is signed with key {signed.kid.hex()}, not the Portal authority's"
        )
    try:
        signed.verify(key.ed25519)
    except SignatureInvalid:
        raise RevocationListError("the list's signature does not hold: it was altered") from None
    listing = _decode(signed.payload)
    if not key.signed_in_window(listing.issued_at):
        raise RevocationListError("the list was signed outside its key's valid window")
    return RevocationList(
        listing.issued_at, listing.next_update, listing.revoked, listing.superseded, signed.kid
    )


def _decode(payload: bytes) -> RevocationList:
    try:
        body = cbor2.loads(payload)
    except Exception as exc:  # the CBOR decoder may raise many types on hostile bytes
        raise RevocationListError("the list is not CBOR") from exc
    if not isinstance(body, Mapping) or set(body) != _MEMBERS:
        raise RevocationListError(f"a revocation list is a map of {sorted(_MEMBERS)}")
    if body["version"] != LIST_VERSION:
        raise RevocationListError("unknown version of the revocation list")
    return RevocationList(
        issued_at=_time(body["issued_at"]),
        next_update=_time(body["next_update"]),
        revoked=_entries(body["revoked"]),
        superseded=_entries(body["superseded"]),
    )


def _entries(value: object) -> dict[bytes, datetime]:
    if not isinstance(value, list | tuple):
        raise RevocationListError("revoked and superseded are lists")
    entries = {}
    for entry in value:
        if not isinstance(entry, list | tuple) or len(entry) != 2:
            raise RevocationListError("an entry is [digest, time]")
        digest, at = entry
        if type(digest) is not bytes or len(digest) != 16:
            raise RevocationListError("an entry's digest is 16 bytes")
        entries[digest] = _time(at)
    return entries


def _time(value: object) -> datetime:
    if type(value) is not int or not 0 <= value < 253402214400:
        raise RevocationListError("times are Unix seconds")
    return datetime.fromtimestamp(value, UTC)


def _seconds(moment: datetime) -> int:
    return int(moment.timestamp())
