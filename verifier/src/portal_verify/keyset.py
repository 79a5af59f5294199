"""The Portal's published key set: a JWK Set (RFC 7517) of Ed25519 keys (RFC 8037).

Every key has the standard members ``kty: "OKP"``, ``crv: "Ed25519"``, ``x`` (base64url of
the 32-byte public key, no padding), ``kid``, ``use: "sig"`` and ``alg: "EdDSA"``, and these
of the Portal's own, which standard libraries ignore::

    purpose          "letters" (seals letter tokens) or "revocations" (signs the revocation
                     list; the Portal's authority)
    manufacturer     the manufacturer's short code, e.g. "BYD" (null for the authority)
    manufacturer_name  its registered name (null for the authority)
    valid_from       when the key was made (RFC 3339, UTC)
    retired_at       when a newer key replaced it: it seals nothing after, verifies what it
                     sealed before (null if in use)
    compromised_at   when it was reported compromised: what it signed at or after this time is
                     not genuine (null if never)

The kid rule: ``kid`` is the COSE key id (protected header label 4, 8 bytes) written as 16
lower-case hex digits, and those 8 bytes are the first 8 of SHA-256 over the raw public key.
The loader checks it, so a key set cannot pair a kid with someone else's key. Members it does
not know are ignored; keys of other types or algorithms are skipped, not refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from portal_verify.cose import KID_LENGTH
from portal_verify.errors import KeysetError

PURPOSE_LETTERS = "letters"
PURPOSE_REVOCATIONS = "revocations"
_MANUFACTURER = re.compile(r"[A-Z0-9][A-Z0-9-]{0,15}")
_KID = re.compile(r"[0-9a-f]{16}")


def kid_of(public_key: bytes) -> bytes:
    """Return the key id of a raw Ed25519 public key: SHA-256, first 8 bytes."""
    return hashlib.sha256(public_key).digest()[:KID_LENGTH]


@dataclass(frozen=True, kw_only=True)
class KeyRecord:
    """One published key and the window in which it may sign."""

    kid: bytes
    public_key: bytes  # raw 32-byte Ed25519 public key
    purpose: str = PURPOSE_LETTERS
    manufacturer: str | None = None
    manufacturer_name: str | None = None
    valid_from: datetime
    retired_at: datetime | None = None
    compromised_at: datetime | None = None
    # Built once: a verifier checking many tokens loads each key a single time.
    ed25519: Ed25519PublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.public_key, bytes) or len(self.public_key) != 32:
            raise ValueError("an Ed25519 public key is 32 bytes")
        if kid_of(self.public_key) != self.kid:
            raise ValueError("kid is not the key id of the public key")
        times = [t for t in (self.valid_from, self.retired_at, self.compromised_at) if t]
        if any(t.utcoffset() is None for t in times):
            raise ValueError("valid_from, retired_at and compromised_at must be timezone-aware")
        for later in (self.retired_at, self.compromised_at):
            if later is not None and later < self.valid_from:
                raise ValueError("retired_at and compromised_at cannot be before valid_from")
        if self.purpose not in (PURPOSE_LETTERS, PURPOSE_REVOCATIONS):
            raise ValueError('purpose must be "letters" or "revocations"')
        if self.purpose == PURPOSE_LETTERS and not (
            self.manufacturer and _MANUFACTURER.fullmatch(self.manufacturer)
        ):
            raise ValueError("a letter key names its manufacturer's short code")
        object.__setattr__(self, "ed25519", Ed25519PublicKey.from_public_bytes(self.public_key))

    @property
    def kid_text(self) -> str:
        """Return the kid as the key set writes it."""
        return self.kid.hex()

    def signed_in_window(self, signed_at: datetime) -> bool:
        """Return whether something signed at ``signed_at`` falls in this key's valid window:
        not before the key existed, not at or after its compromise."""
        # Signing times have whole seconds; compare against valid_from rounded down the same way.
        if signed_at < self.valid_from.replace(microsecond=0):
            return False
        return self.compromised_at is None or signed_at < self.compromised_at


class KeySet(Mapping[bytes, KeyRecord]):
    """The keys of a key set by kid."""

    def __init__(self, records: Iterable[KeyRecord] = ()) -> None:
        self._records: dict[bytes, KeyRecord] = {}
        for record in records:
            if record.kid in self._records:
                raise KeysetError(f"kid {record.kid.hex()} appears twice")
            self._records[record.kid] = record

    def __getitem__(self, kid: bytes) -> KeyRecord:
        return self._records[kid]

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)


def dump_keyset(records: Iterable[KeyRecord]) -> dict[str, Any]:
    """Return the JWK Set as a JSON-ready dict, keys in kid order."""
    return {"keys": [dump_key(r) for r in sorted(records, key=lambda r: r.kid)]}


def dump_key(record: KeyRecord) -> dict[str, Any]:
    """Return one key as a JWK with the Portal's members."""
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": base64.urlsafe_b64encode(record.public_key).decode("ascii").rstrip("="),
        "kid": record.kid.hex(),
        "use": "sig",
        "alg": "EdDSA",
        "purpose": record.purpose,
        "manufacturer": record.manufacturer,
        "manufacturer_name": record.manufacturer_name,
        "valid_from": _dump_time(record.valid_from),
        "retired_at": _dump_time(record.retired_at),
        "compromised_at": _dump_time(record.compromised_at),
    }


def load_keyset(data: object) -> KeySet:
    """Return the Ed25519 keys of a JWK Set by kid; KeysetError naming the first problem."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise KeysetError('a key set is an object whose member "keys" is a list')
    records = []
    for index, entry in enumerate(data["keys"]):
        if not isinstance(entry, dict):
            raise KeysetError(f"key {index}: a key is an object")
        if entry.get("kty") != "OKP" or entry.get("crv") != "Ed25519":
            continue  # a key of another kind: not one the Portal signs with
        try:
            records.append(_load_record(entry))
        except (KeysetError, ValueError, TypeError, OverflowError) as exc:
            raise KeysetError(f"key {index}: {exc}") from None
    return KeySet(records)


def _load_record(entry: dict[str, Any]) -> KeyRecord:
    if entry.get("alg", "EdDSA") != "EdDSA" or entry.get("use", "sig") != "sig":
        raise KeysetError('an Ed25519 key of the Portal has "alg": "EdDSA" and "use": "sig"')
    kid_text = entry.get("kid")
    if not isinstance(kid_text, str) or not _KID.fullmatch(kid_text):
        raise KeysetError("kid must be 16 lower-case hex digits")
    purpose = entry.get("purpose", PURPOSE_LETTERS)
    return KeyRecord(
        kid=bytes.fromhex(kid_text),
        public_key=_load_x(entry.get("x")),
        purpose=purpose if isinstance(purpose, str) else "",
        manufacturer=_optional_text(entry, "manufacturer"),
        manufacturer_name=_optional_text(entry, "manufacturer_name"),
        valid_from=_load_time(entry.get("valid_from"), "valid_from"),
        retired_at=_optional_time(entry, "retired_at"),
        compromised_at=_optional_time(entry, "compromised_at"),
    )


def _optional_text(entry: dict[str, Any], name: str) -> str | None:
    value = entry.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise KeysetError(f"{name} must be non-empty text or null")
    return value


def _optional_time(entry: dict[str, Any], name: str) -> datetime | None:
    value = entry.get(name)
    return None if value is None else _load_time(value, name)


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


def _dump_time(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _load_time(value: object, name: str) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise KeysetError(f"{name} must be an RFC 3339 date and time")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise KeysetError(f"{name} must be an RFC 3339 date and time") from None
    if moment.utcoffset() is None:
        raise KeysetError(f"{name} must carry a time zone")
    if moment.utcoffset() != timedelta(0):
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=UTC)
