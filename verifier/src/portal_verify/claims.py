"""The claims a letter's token seals, in both forms the Portal has issued.

Version 2 (current) is an RFC 8392 CWT claims set::

    1 (iss)   tstr   the manufacturer's short code, e.g. "BYD"
    4 (exp)   uint   Unix seconds: the end of the last valid day, midnight in China (UTC+8)
    6 (iat)   uint   Unix seconds of issue (UTC)
    -65537    map    the letter (a private-use claim, RFC 8392 §9.1), keys:
        1 version (2)  2 number  3 vin  4 country (ISO 3166-1 alpha-2)
        5 brand  6 model  7 registration_date (days since 1970-01-01)
        8 exporter_uscc ("" if none)  9 outlets_digest (16 bytes)  10 record_digest (16 bytes)

The full form has letter keys 1-9 (10 optional); the compact form, for letters whose full
form would make the QR code too large, has 1-4 and 10: what a person checks against paper
and car, and a digest binding the rest of the record the Portal holds.

Version 1 (letters issued before) is a plain map with integer keys 1-13 (1 version = 1,
2 number, 3 manufacturer, 4 vin, 5 brand, 6 model, 7 registration_date, 8 country,
9 exporter_uscc, 10 outlets_digest, 11 issued_at, 12 valid_until in days, 13 record_digest).
It is still read, never written. Both are canonical CBOR (RFC 8949 §4.2.1, small keys first);
decoding accepts nothing else: no extra or missing keys, no other types, no other spelling.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

import cbor2

from portal_verify.checks import (
    DIGEST_LENGTH,
    check_code,
    check_date,
    check_digest,
    check_instant,
    check_text,
    check_uscc,
)
from portal_verify.errors import TokenError

CLAIMS_VERSION = 2
LEGACY_VERSION = 1
MAX_PAYLOAD_BYTES = 1024
# CWT claim keys (RFC 8392 §3.1.1) and the Portal's private-use claim holding the letter.
CWT_ISS, CWT_EXP, CWT_IAT = 1, 4, 6
LETTER_CLAIM = -65537
CHINA = timezone(timedelta(hours=8))
_EPOCH = date(1970, 1, 1)
_MANUFACTURER = r"[A-Z0-9][A-Z0-9-]{0,15}"
_NUMBER = r"[A-Z0-9][A-Z0-9./-]{0,47}"
_VIN = r"[A-HJ-NPR-Z0-9]{17}"
_COUNTRY = r"[A-Z]{2}"


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
        check_code("manufacturer", self.manufacturer, _MANUFACTURER)
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
            manufacturer=self.manufacturer if self.version >= CLAIMS_VERSION else "",
            vin=self.vin,
            country=self.country,
            issued_at=self.issued_at,
            valid_until=self.valid_until,
            record_digest=record_digest,
        )


@dataclass(frozen=True, kw_only=True)
class CompactClaims:
    """The compact form: what is checked against paper and car, plus the record's digest.
    ``manufacturer`` is empty in version 1, which left it out."""

    version: int = CLAIMS_VERSION
    number: str
    manufacturer: str = ""
    vin: str
    country: str
    issued_at: datetime
    valid_until: date
    record_digest: bytes

    def __post_init__(self) -> None:
        _check_common(self)
        if self.version >= CLAIMS_VERSION or self.manufacturer:
            check_code("manufacturer", self.manufacturer, _MANUFACTURER)
        check_digest("record_digest", self.record_digest)

    @property
    def form(self) -> ClaimsForm:
        """Return ClaimsForm.COMPACT."""
        return ClaimsForm.COMPACT


Claims = LetterClaims | CompactClaims


def encode_claims(claims: Claims) -> bytes:
    """Return the canonical CBOR encoding of the claims in their version's layout."""
    if claims.version == LEGACY_VERSION:
        return _encode_legacy(claims)
    letter: dict[int, Any] = {1: claims.version, 2: claims.number, 3: claims.vin, 4: claims.country}
    if isinstance(claims, LetterClaims):
        letter |= {
            5: claims.brand,
            6: claims.model,
            7: _days(claims.registration_date),
            8: claims.exporter_uscc,
            9: claims.outlets_digest,
        }
    if claims.record_digest:
        letter[10] = claims.record_digest
    cwt = {
        CWT_ISS: claims.manufacturer,
        CWT_EXP: expiry_seconds(claims.valid_until),
        CWT_IAT: int(claims.issued_at.timestamp()),
        LETTER_CLAIM: letter,
    }
    return cbor2.dumps(cwt, canonical=True)


def decode_claims(data: bytes) -> Claims:
    """Return the claims encoded in ``data`` (either version, either form); TokenError if
    anything is off."""
    if len(data) > MAX_PAYLOAD_BYTES:
        raise TokenError("too_long", "the sealed data is too long")
    try:
        fields = cbor2.loads(data)
        # Only the one canonical spelling is accepted, so equal claims mean equal bytes. The
        # decoded map is encoded again in the order it came (cbor2 writes shortest heads and
        # definite lengths); the key order is checked with the key set below, and the fields
        # themselves for type and range. Cheaper than a canonical encoding, which sorts.
        canonical = cbor2.dumps(fields) == data
    except Exception as exc:  # the CBOR codec may raise many types on hostile bytes
        raise TokenError("not_cbor", "the sealed data is not CBOR") from exc
    if not canonical:
        raise TokenError("not_canonical", "the sealed data is not in canonical form")
    if not isinstance(fields, Mapping):
        raise TokenError("bad_claims", "the sealed data is not a map")
    # Version 1 has no letter claim: its fields, version under key 1, are the map itself.
    return _decode_cwt(fields) if LETTER_CLAIM in fields else _decode_legacy(fields)


def expiry_seconds(valid_until: date) -> int:
    """Return the CWT ``exp`` of a letter valid through ``valid_until`` (a day in China)."""
    end = datetime.combine(valid_until + timedelta(days=1), datetime.min.time(), CHINA)
    return int(end.timestamp())


def valid_until_of(exp: object) -> date:
    """Return the last valid day (in China) of a CWT ``exp``; ValueError unless it is a
    midnight in China."""
    if type(exp) is not int or not 0 < exp <= _MAX_SECONDS:
        raise ValueError("exp is Unix seconds")
    end = datetime.fromtimestamp(exp, CHINA)
    if end.time() != datetime.min.time():
        raise ValueError("exp is not the end of a day in China")
    return end.date() - timedelta(days=1)


def token_digest(cose: bytes) -> bytes:
    """Return the 16-byte digest that names a token in the revocation list: SHA-256 of the
    COSE bytes, truncated. It tells nothing about the letter to whoever lacks the token."""
    return hashlib.sha256(cose).digest()[:DIGEST_LENGTH]


def _check_common(claims: Claims) -> None:
    if type(claims.version) is not int or claims.version not in (LEGACY_VERSION, CLAIMS_VERSION):
        raise ValueError(f"version must be {LEGACY_VERSION} or {CLAIMS_VERSION}")
    check_code("number", claims.number, _NUMBER)
    check_code("vin", claims.vin, _VIN)
    check_code("country", claims.country, _COUNTRY)
    check_instant("issued_at", claims.issued_at)
    check_date("valid_until", claims.valid_until)
    if claims.valid_until >= _LAST_DAY:
        raise ValueError("valid_until must be before 9999-12-31")


def _decode_cwt(fields: Mapping[object, object]) -> Claims:
    if set(fields) != {CWT_ISS, CWT_EXP, CWT_IAT, LETTER_CLAIM}:
        raise TokenError("bad_claims", "the claims set must hold iss, exp, iat and the letter")
    letter = fields[LETTER_CLAIM]
    if not isinstance(letter, Mapping):
        raise TokenError("bad_claims", "the letter claim is not a map")
    version = letter.get(1)
    if type(version) is not int or version != CLAIMS_VERSION:
        raise TokenError("bad_version", "unknown version of the sealed data")
    keys = set(letter)
    common = {"manufacturer": fields[CWT_ISS], "issued_at": fields[CWT_IAT]}
    common["valid_until"] = fields[CWT_EXP]
    if letter.get(10) == b"":
        raise TokenError("bad_claims", "an empty record digest is left out, not written")
    if keys in (_FULL_KEYS, _FULL_KEYS | {10}):
        kind: type[LetterClaims] | type[CompactClaims] = LetterClaims
    elif keys == _COMPACT_KEYS:
        kind = CompactClaims
    else:
        raise TokenError("bad_claims", "the sealed data has missing or unexpected fields")
    if list(fields) != _CWT_ORDER or list(letter) != sorted(letter):
        raise TokenError("not_canonical", "the sealed data is not in canonical form")
    table = _FULL_FIELDS if kind is LetterClaims else _COMPACT_FIELDS
    return _build(kind, letter, table, common)


def _build(
    kind: type[LetterClaims] | type[CompactClaims],
    letter: Mapping[object, object],
    table: dict[int, tuple[str, Callable[[object], Any] | type]],
    common: dict[str, object],
) -> Any:
    values: dict[str, Any] = {}
    try:
        for key, (name, convert) in table.items():
            if key not in letter:
                continue
            value = letter[key]
            # type() rather than isinstance(): bool is an int and must not pass for one.
            if isinstance(convert, type):
                if type(value) is not convert:
                    raise ValueError(f"{name}: expected {convert.__name__}")
                values[name] = value
            else:
                values[name] = convert(value)
        manufacturer = common["manufacturer"]
        if type(manufacturer) is not str:
            raise ValueError("iss: expected str")
        values["manufacturer"] = manufacturer
        values["issued_at"] = _from_seconds(common["issued_at"])
        values["valid_until"] = valid_until_of(common["valid_until"])
        return kind(**values)
    except ValueError as exc:
        raise TokenError("bad_claims", f"the sealed data is invalid: {exc}") from None


def _encode_legacy(claims: Claims) -> bytes:
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


def _decode_legacy(fields: Mapping[object, object]) -> Claims:
    version = fields.get(1)
    if type(version) is not int or version != LEGACY_VERSION:
        raise TokenError("bad_version", "unknown version of the sealed data")
    keys = set(fields)
    if fields.get(13) == b"":
        raise TokenError("bad_claims", "an empty record digest is left out, not written")
    if keys in (_LEGACY_FULL_KEYS, _LEGACY_FULL_KEYS | {13}):
        table = _LEGACY_FULL
        kind: type[LetterClaims] | type[CompactClaims] = LetterClaims
    elif keys == set(_LEGACY_COMPACT):
        table, kind = _LEGACY_COMPACT, CompactClaims
    else:
        raise TokenError("bad_claims", "the sealed data has missing or unexpected fields")
    # Small unsigned keys (all below 24): canonical order is numeric order.
    if list(fields) != sorted(keys):
        raise TokenError("not_canonical", "the sealed data is not in canonical form")
    try:
        return kind(**{table[key][0]: table[key][1](fields[key]) for key in table if key in fields})
    except ValueError as exc:
        raise TokenError("bad_claims", f"the sealed data is invalid: {exc}") from None


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


_LAST_DAY = date(9999, 12, 31)
_MAX_DAYS = (_LAST_DAY - _EPOCH).days
_MAX_SECONDS = int(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp())
_FULL_FIELDS: dict[int, tuple[str, Callable[[object], Any] | type]] = {
    1: ("version", int),
    2: ("number", str),
    3: ("vin", str),
    4: ("country", str),
    5: ("brand", str),
    6: ("model", str),
    7: ("registration_date", _from_days),
    8: ("exporter_uscc", str),
    9: ("outlets_digest", bytes),
    10: ("record_digest", bytes),
}
_COMPACT_FIELDS = {key: _FULL_FIELDS[key] for key in (1, 2, 3, 4, 10)}
# Deterministic order of the claims set's keys: their encodings compared byte by byte.
_CWT_ORDER = [CWT_ISS, CWT_EXP, CWT_IAT, LETTER_CLAIM]
_FULL_KEYS = set(_FULL_FIELDS) - {10}
_COMPACT_KEYS = set(_COMPACT_FIELDS)
_LEGACY_COMMON: dict[int, tuple[str, Callable[[object], Any]]] = {
    1: ("version", _exact(int)),
    2: ("number", _exact(str)),
    4: ("vin", _exact(str)),
    8: ("country", _exact(str)),
    11: ("issued_at", _from_seconds),
    12: ("valid_until", _from_days),
}
_LEGACY_FULL = _LEGACY_COMMON | {
    3: ("manufacturer", _exact(str)),
    5: ("brand", _exact(str)),
    6: ("model", _exact(str)),
    7: ("registration_date", _from_days),
    9: ("exporter_uscc", _exact(str)),
    10: ("outlets_digest", _exact(bytes)),
    13: ("record_digest", _exact(bytes)),
}
_LEGACY_COMPACT = _LEGACY_COMMON | {13: ("record_digest", _exact(bytes))}
_LEGACY_FULL_KEYS = set(_LEGACY_FULL) - {13}
