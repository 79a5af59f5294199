"""The claims sealed in a letter's token: versioned, canonical CBOR with small integer keys.

Key table (version 1)::

    key  field              CBOR type                         full      compact
    1    version            uint (1)                          yes       yes
    2    number             tstr, e.g. "BYD-2026-000123"      yes       yes
    3    manufacturer       tstr, e.g. "BYD"                  yes       -
    4    vin                tstr, 17 characters               yes       yes
    5    brand              tstr                              yes       -
    6    model              tstr                              yes       -
    7    registration_date  uint, days since 1970-01-01       yes       -
    8    country            tstr, ISO 3166-1 alpha-2          yes       yes
    9    exporter_uscc      tstr, 18 characters or ""         yes       -
    10   outlets_digest     bstr, 16 bytes                    yes       -
    11   issued_at          uint, Unix seconds (UTC)          yes       yes
    12   valid_until        uint, days since 1970-01-01       yes       yes
    13   record_digest      bstr, 16 bytes                    optional  yes

The compact form is for letters whose full form would make the QR code too large: it keeps
what a person checks against the paper and the car (number, VIN, country, dates) and binds
the rest through ``record_digest``, a digest of the whole letter record held by the Portal.
Encoding is canonical CBOR (RFC 8949 §4.2.1), so the same claims always give the same bytes;
decoding accepts nothing else (no extra or missing keys, no other types, no other spelling).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import cbor2

from portal.signing.claim_fields import (
    DIGEST_LENGTH,
    check_code,
    check_date,
    check_digest,
    check_instant,
    check_text,
    check_uscc,
)
from portal.signing.errors import TokenError

CLAIMS_VERSION = 1
MAX_PAYLOAD_BYTES = 1024
_EPOCH = date(1970, 1, 1)


class ClaimsForm(StrEnum):
    """Which of the two payload layouts a token carries."""

    FULL = "full"
    COMPACT = "compact"


@dataclass(frozen=True, kw_only=True)
class LetterClaims:
    """Everything a letter's seal vouches for, in its full form."""

    version: int = CLAIMS_VERSION
    number: str
    manufacturer: str
    vin: str
    brand: str
    model: str
    registration_date: date
    country: str
    exporter_uscc: str
    outlets_digest: bytes
    issued_at: datetime
    valid_until: date
    record_digest: bytes = b""

    def __post_init__(self) -> None:
        _check_common(self)
        check_code("manufacturer", self.manufacturer, r"[A-Z0-9][A-Z0-9-]{0,15}")
        check_text("brand", self.brand)
        check_text("model", self.model)
        check_date("registration_date", self.registration_date)
        check_uscc(self.exporter_uscc)
        check_digest("outlets_digest", self.outlets_digest)
        if self.record_digest:
            check_digest("record_digest", self.record_digest)

    @property
    def form(self) -> ClaimsForm:
        """Return ClaimsForm.FULL."""
        return ClaimsForm.FULL

    def compact(self, record_digest: bytes) -> CompactClaims:
        """Return the compact form of these claims, bound to the record by its digest."""
        return CompactClaims(
            version=self.version,
            number=self.number,
            vin=self.vin,
            country=self.country,
            issued_at=self.issued_at,
            valid_until=self.valid_until,
            record_digest=record_digest,
        )


@dataclass(frozen=True, kw_only=True)
class CompactClaims:
    """The compact form: what is checked against paper and car, plus the record's digest."""

    version: int = CLAIMS_VERSION
    number: str
    vin: str
    country: str
    issued_at: datetime
    valid_until: date
    record_digest: bytes

    def __post_init__(self) -> None:
        _check_common(self)
        check_digest("record_digest", self.record_digest)

    @property
    def form(self) -> ClaimsForm:
        """Return ClaimsForm.COMPACT."""
        return ClaimsForm.COMPACT


Claims = LetterClaims | CompactClaims


def encode_claims(claims: Claims) -> bytes:
    """Return the canonical CBOR encoding of the claims."""
    fields: dict[int, Any] = {
        1: claims.version,
        2: claims.number,
        4: claims.vin,
        8: claims.country,
        11: int(claims.issued_at.timestamp()),
        12: _days(claims.valid_until),
    }
    if isinstance(claims, LetterClaims):
        fields |= {
            3: claims.manufacturer,
            5: claims.brand,
            6: claims.model,
            7: _days(claims.registration_date),
            9: claims.exporter_uscc,
            10: claims.outlets_digest,
        }
    if claims.record_digest:
        fields[13] = claims.record_digest
    return cbor2.dumps(fields, canonical=True)


def decode_claims(data: bytes) -> Claims:
    """Return the claims encoded in ``data`` (either form); TokenError if anything is off."""
    if len(data) > MAX_PAYLOAD_BYTES:
        raise TokenError("too_long", "the sealed data is too long")
    fields = _load_map(data)
    version = fields.get(1)
    if type(version) is not int or version != CLAIMS_VERSION:
        raise TokenError("bad_version", "unknown version of the sealed data")
    keys = set(fields)
    if keys in (_FULL_KEYS, _FULL_KEYS | {13}):
        claims: Claims = _build(LetterClaims, fields, _FULL_FIELDS)
    elif keys == _COMPACT_KEYS:
        claims = _build(CompactClaims, fields, _COMPACT_FIELDS)
    else:
        raise TokenError("bad_claims", "the sealed data has missing or unexpected fields")
    # Only the one canonical spelling is accepted, so equal claims mean equal bytes.
    if encode_claims(claims) != data:
        raise TokenError("not_canonical", "the sealed data is not in canonical form")
    return claims


def truncated_digest(data: bytes) -> bytes:
    """Return SHA-256 of ``data`` truncated to 16 bytes."""
    return hashlib.sha256(data).digest()[:DIGEST_LENGTH]


def canonical_digest(value: object) -> bytes:
    """Return the 16-byte digest of a value's canonical CBOR (for outlet lists, records)."""
    return truncated_digest(cbor2.dumps(value, canonical=True))


def _check_common(claims: Claims) -> None:
    if type(claims.version) is not int or claims.version != CLAIMS_VERSION:
        raise ValueError(f"version must be {CLAIMS_VERSION}")
    check_code("number", claims.number, r"[A-Z0-9][A-Z0-9./-]{0,47}")
    check_code("vin", claims.vin, r"[A-HJ-NPR-Z0-9]{17}")
    check_code("country", claims.country, r"[A-Z]{2}")
    check_instant("issued_at", claims.issued_at)
    check_date("valid_until", claims.valid_until)


def _days(day: date) -> int:
    return (day - _EPOCH).days


def _from_days(value: object) -> date:
    if type(value) is not int or not 0 <= value <= _MAX_DAYS:
        raise ValueError("a date is a day number from 1970-01-01 to 9999-12-31")
    return date.fromordinal(_EPOCH.toordinal() + value)


def _from_seconds(value: object) -> datetime:
    if type(value) is not int or not 0 <= value <= _MAX_SECONDS:
        raise ValueError("issued_at is Unix seconds from 1970 to 9999")
    return datetime.fromtimestamp(value, UTC)


def _exact(kind: type) -> Callable[[object], Any]:
    def convert(value: object) -> Any:
        # type() rather than isinstance(): bool is an int and must not pass for one.
        if type(value) is not kind:
            raise ValueError(f"expected {kind.__name__}, got {type(value).__name__}")
        return value

    return convert


_MAX_DAYS = (date(9999, 12, 31) - _EPOCH).days
_MAX_SECONDS = int(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp())
_COMMON_FIELDS: dict[int, tuple[str, Callable[[object], Any]]] = {
    1: ("version", _exact(int)),
    2: ("number", _exact(str)),
    4: ("vin", _exact(str)),
    8: ("country", _exact(str)),
    11: ("issued_at", _from_seconds),
    12: ("valid_until", _from_days),
}
_FULL_FIELDS = _COMMON_FIELDS | {
    3: ("manufacturer", _exact(str)),
    5: ("brand", _exact(str)),
    6: ("model", _exact(str)),
    7: ("registration_date", _from_days),
    9: ("exporter_uscc", _exact(str)),
    10: ("outlets_digest", _exact(bytes)),
    13: ("record_digest", _exact(bytes)),
}
_COMPACT_FIELDS = _COMMON_FIELDS | {13: ("record_digest", _exact(bytes))}
_FULL_KEYS = set(_FULL_FIELDS) - {13}
_COMPACT_KEYS = set(_COMPACT_FIELDS)


def _load_map(data: bytes) -> dict[object, object]:
    try:
        fields = cbor2.loads(data, allow_indefinite=False, allow_duplicate_keys=False, max_depth=2)
    except Exception as exc:  # the CBOR decoder may raise many types on hostile bytes
        raise TokenError("not_cbor", "the sealed data is not CBOR") from exc
    if not isinstance(fields, dict):
        raise TokenError("bad_claims", "the sealed data is not a map")
    return fields


def _build(
    kind: type[LetterClaims] | type[CompactClaims],
    fields: dict[object, object],
    table: dict[int, tuple[str, Callable[[object], Any]]],
) -> Any:
    try:
        values = {table[key][0]: table[key][1](fields[key]) for key in table if key in fields}
        return kind(**values)
    except ValueError as exc:
        raise TokenError("bad_claims", f"the sealed data is invalid: {exc}") from None
