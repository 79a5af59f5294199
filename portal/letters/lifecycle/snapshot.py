"""The plain record of a letter and of its outlets as issued, and their digests: what the
seal binds and what verification recomputes to show that nothing changed since issuance."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from portal.outlets.models import OutletVersion
from portal.signing import canonical_digest

# Bilingual names of service types, as printed in letters (Chinese first, as on the letter).
SERVICE_NAMES = {
    "repair": ("维修", "repair"),
    "maintenance": ("保养", "maintenance"),
    "spare_parts": ("配件供应", "spare parts"),
    "warranty": ("质保索赔", "warranty claims"),
    "technical_support": ("技术支持", "technical support"),
    "roadside": ("道路救援", "roadside assistance"),
}


def outlet_snapshot(version: OutletVersion) -> dict[str, Any]:
    """Returns the outlet as a letter shows it, as plain values."""
    return {
        "code": version.outlet.code,
        "country": version.country,
        "city": version.city,
        "name_local": version.name_local,
        "name_latin": version.name_latin,
        "address": version.address,
        "postcode": version.postcode,
        "phone": version.phone,
        "email": version.email,
        "services": sorted(version.service_types),
    }


def outlets_digest(versions: Iterable[OutletVersion]) -> bytes:
    """Returns the 16-byte digest of the outlet list, in the letter's order."""
    return canonical_digest([outlet_snapshot(version) for version in versions])


def services_text(services: Iterable[str]) -> str:
    """Returns the service types in Chinese and English, e.g. "维修、保养 / repair, maintenance"."""
    names = [SERVICE_NAMES[s] for s in services if s in SERVICE_NAMES]
    return "、".join(zh for zh, _ in names) + " / " + ", ".join(en for _, en in names)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, date):
        return value.isoformat()
    return value


def letter_record(**fields: Any) -> dict[str, Any]:
    """Returns the letter's record as plain values (dates as ISO text, times as seconds)."""
    return {name: _plain(value) for name, value in sorted(fields.items())}


def record_digest(record: dict[str, Any]) -> bytes:
    """Returns the 16-byte digest of a letter record."""
    return canonical_digest(record)


# The letter's own columns that its record digest covers; with them the manufacturer's code
# and the digest of the outlets (see issuance._record_fields, which builds the same record).
RECORD_COLUMNS = (
    "number",
    "vin",
    "brand",
    "model",
    "registration_date",
    "transfer_registration_date",
    "country",
    "exporter_name",
    "exporter_uscc",
    "issued_at",
    "valid_until",
)


def stored_letter_digests(letter: Any) -> tuple[bytes, bytes]:
    """Returns the (record, outlets) digests recomputed from a stored letter and its outlet
    versions: equal to the ones taken at issuance while nothing has changed since."""
    outlets = outlets_digest(item.version for item in letter.outlets)
    record = letter_record(
        **{name: getattr(letter, name) for name in RECORD_COLUMNS},
        manufacturer=letter.manufacturer.short_code,
        outlets_digest=outlets,
    )
    return record_digest(record), outlets
