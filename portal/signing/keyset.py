"""The published key set: every seal key the Portal ever used, JWK-like JSON.

::

    {"keys": [{"kid": "0123456789abcdef", "alg": "EdDSA", "crv": "Ed25519",
               "x": "<base64url of the raw public key, no padding>",
               "manufacturer": "BYD", "manufacturer_name": "比亚迪汽车工业有限公司",
               "valid_from": "2026-01-01T00:00:00Z", "revoked_at": null}]}

Keys are never removed from the set, only revoked: a letter sealed before its key's
revocation stays genuine. The loader checks every field, and that each kid really is the
digest of its public key, so a key set cannot pair a kid with someone else's key.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from portal.signing.errors import KeysetError
from portal.signing.keys import kid_for, kid_text, load_public_key, parse_kid_text

_FIELDS = frozenset(
    {"kid", "alg", "crv", "x", "manufacturer", "manufacturer_name", "valid_from", "revoked_at"}
)
_MANUFACTURER = re.compile(r"[A-Z0-9][A-Z0-9-]{0,15}")


@dataclass(frozen=True, kw_only=True)
class KeyRecord:
    """One published seal key and the window in which it may seal letters."""

    kid: bytes
    public_key: bytes  # raw 32-byte Ed25519 public key
    manufacturer: str
    manufacturer_name: str
    valid_from: datetime
    revoked_at: datetime | None = None

    def __post_init__(self) -> None:
        if kid_for(load_public_key(self.public_key)) != self.kid:
            raise ValueError("kid is not the key id of the public key")
        times = [self.valid_from] if self.revoked_at is None else [self.valid_from, self.revoked_at]
        if any(t.utcoffset() is None for t in times):
            raise ValueError("valid_from and revoked_at must be timezone-aware")
        if self.revoked_at is not None and self.revoked_at < self.valid_from:
            raise ValueError("revoked_at is before valid_from")

    def ed25519(self) -> Ed25519PublicKey:
        """Return the public key as a cryptography object."""
        return load_public_key(self.public_key)

    def sealed_in_window(self, issued_at: datetime) -> bool:
        """Return whether a letter issued at ``issued_at`` falls in this key's valid window."""
        # issued_at has whole seconds; compare against valid_from rounded down the same way.
        if issued_at < self.valid_from.replace(microsecond=0):
            return False
        return self.revoked_at is None or issued_at < self.revoked_at


def dump_keyset(records: Iterable[KeyRecord]) -> dict[str, Any]:
    """Return the key set as a JSON-ready dict, keys in kid order."""
    return {"keys": [_dump_record(r) for r in sorted(records, key=lambda r: r.kid)]}


def load_keyset(data: object) -> dict[bytes, KeyRecord]:
    """Return the key records by kid; KeysetError naming the first problem found."""
    if not isinstance(data, dict) or set(data) != {"keys"} or not isinstance(data["keys"], list):
        raise KeysetError('a key set is an object with one member "keys", a list')
    records: dict[bytes, KeyRecord] = {}
    for index, entry in enumerate(data["keys"]):
        try:
            record = _load_record(entry)
        except (KeysetError, ValueError, TypeError, OverflowError) as exc:
            raise KeysetError(f"key {index}: {exc}") from None
        if record.kid in records:
            raise KeysetError(f"key {index}: kid {kid_text(record.kid)} appears twice")
        records[record.kid] = record
    return records


def _dump_record(record: KeyRecord) -> dict[str, Any]:
    return {
        "kid": kid_text(record.kid),
        "alg": "EdDSA",
        "crv": "Ed25519",
        "x": base64.urlsafe_b64encode(record.public_key).decode("ascii").rstrip("="),
        "manufacturer": record.manufacturer,
        "manufacturer_name": record.manufacturer_name,
        "valid_from": _dump_time(record.valid_from),
        "revoked_at": None if record.revoked_at is None else _dump_time(record.revoked_at),
    }


def _load_record(entry: object) -> KeyRecord:
    if not isinstance(entry, dict) or set(entry) != _FIELDS:
        raise KeysetError(f"a key is an object with exactly the members {sorted(_FIELDS)}")
    if entry["alg"] != "EdDSA" or entry["crv"] != "Ed25519":
        raise KeysetError('only "alg": "EdDSA" with "crv": "Ed25519" is supported')
    raw = _load_x(entry["x"])
    kid = parse_kid_text(_text(entry, "kid"))
    manufacturer = _text(entry, "manufacturer")
    if not _MANUFACTURER.fullmatch(manufacturer):
        raise KeysetError("manufacturer must be a short code of capitals and digits")
    revoked_at = entry["revoked_at"]
    return KeyRecord(
        kid=kid,
        public_key=raw,
        manufacturer=manufacturer,
        manufacturer_name=_text(entry, "manufacturer_name"),
        valid_from=_load_time(entry["valid_from"], "valid_from"),
        revoked_at=None if revoked_at is None else _load_time(revoked_at, "revoked_at"),
    )


def _text(entry: dict[str, object], name: str) -> str:
    value = entry[name]
    if not isinstance(value, str) or not value.strip():
        raise KeysetError(f"{name} must be non-empty text")
    return value


def _load_x(value: object) -> bytes:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_-]{43}", value):
        raise KeysetError("x must be unpadded base64url of 32 bytes")
    try:
        raw = base64.urlsafe_b64decode(value + "=")
    except binascii.Error:
        raise KeysetError("x must be unpadded base64url of 32 bytes") from None
    if base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=") != value:
        raise KeysetError("x is not canonical base64url")
    return raw


def _dump_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _load_time(value: object, name: str) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise KeysetError(f"{name} must be an ISO 8601 date and time")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise KeysetError(f"{name} must be an ISO 8601 date and time") from None
    if moment.utcoffset() is None:
        raise KeysetError(f"{name} must carry a time zone")
    if moment.utcoffset() != timedelta(0):
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=UTC)
