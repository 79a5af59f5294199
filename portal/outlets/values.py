"""The values of one outlet version, checked as a whole, compared and written out as text.

Form and CSV both give raw text per field (named like the CSV columns); `parse_values` turns it
into `OutletValues` or collects every problem of the record in `InvalidOutlet`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.outlets import validation as check
from portal.outlets.models import OutletVersion

# The CSV columns in their documented order; every field but outlet_code is versioned.
COLUMNS = (
    "outlet_code",
    "country",
    "city",
    "name_local",
    "name_latin",
    "address",
    "postcode",
    "phone",
    "email",
    "website",
    "contact_person",
    "service_types",
    "brands",
    "active_from",
    "active_until",
    "latitude",
    "longitude",
)
VERSIONED = COLUMNS[1:]

FIELD_LABELS = {
    "outlet_code": _l("Outlet code"),
    "country": _l("Country"),
    "city": _l("City"),
    "name_local": _l("Name (local script)"),
    "name_latin": _l("Name (Latin letters)"),
    "address": _l("Address"),
    "postcode": _l("Postcode"),
    "phone": _l("Phone"),
    "email": _l("Email"),
    "website": _l("Website"),
    "contact_person": _l("Contact person"),
    "service_types": _l("Service types"),
    "brands": _l("Brands"),
    "active_from": _l("Active from"),
    "active_until": _l("Active until"),
    "latitude": _l("Latitude"),
    "longitude": _l("Longitude"),
}


@dataclass(frozen=True)
class OutletValues:
    """Everything an outlet version holds, as stored: the unit that is compared and versioned."""

    country: str
    city: str
    name_local: str
    name_latin: str
    address: str
    postcode: str
    phone: str
    email: str
    website: str
    contact_person: str
    service_types: tuple[str, ...]
    brands: tuple[int, ...]  # brand ids, sorted
    active_from: date
    active_until: date | None
    latitude: float | None
    longitude: float | None


_FIELD_NAMES = tuple(f.name for f in fields(OutletValues))


class InvalidOutlet(ValueError):
    """A record with one or more refused fields."""

    def __init__(self, errors: list[check.FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


def _text(field: str, max_length: int, *, required: bool = True) -> Callable[[Any], str]:
    return lambda raw: check.plain_text(raw, field=field, max_length=max_length, required=required)


_SIMPLE: dict[str, Callable[[Any], Any]] = {
    "city": _text("city", 120),
    "name_local": _text("name_local", 200),
    "name_latin": lambda raw: check.latin_text(raw, field="name_latin", max_length=200),
    "address": _text("address", 400),
    "postcode": check.postcode,
    "email": check.email_address,
    "website": check.website_url,
    "contact_person": _text("contact_person", 120, required=False),
    "service_types": check.service_types,
    "active_from": lambda raw: check.iso_date(raw, field="active_from", required=True),
    "active_until": lambda raw: check.iso_date(raw, field="active_until", required=False),
    "latitude": lambda raw: check.coordinate(raw, field="latitude", limit=90),
    "longitude": lambda raw: check.coordinate(raw, field="longitude", limit=180),
}


def parse_values(raw: Mapping[str, Any], *, brands: Mapping[str, int]) -> OutletValues:
    """Returns the checked values of one record, or raises InvalidOutlet with every problem.

    `brands` maps the manufacturer's brand names, case-folded, to their ids.
    """
    errors: list[check.FieldError] = []
    out: dict[str, Any] = {}

    def attempt(name: str, parse: Callable[[Any], Any]) -> None:
        try:
            out[name] = parse(raw.get(name))
        except check.FieldError as error:
            errors.append(error)

    attempt("country", check.country_code)
    for name, parse in _SIMPLE.items():
        attempt(name, parse)
    # The phone's region is the outlet's country. With the country refused, only a number
    # written with +country code can be checked; anything else would repeat the same error.
    phone = str(raw.get("phone") or "").strip()
    if "country" in out or phone.startswith("+"):
        attempt("phone", lambda value: check.phone_e164(value, region=out.get("country")))
    attempt("brands", lambda value: check.brand_ids(value, brands=brands))
    if "active_from" in out and "active_until" in out:
        attempt("active_until", lambda _: _checked_range(out["active_from"], out["active_until"]))
    if (out.get("latitude") is None) != (out.get("longitude") is None) and not errors:
        missing = "longitude" if out.get("longitude") is None else "latitude"
        errors.append(check.FieldError(missing, _("Give both coordinates or neither.")))
    if errors:
        raise InvalidOutlet(sorted(errors, key=lambda e: COLUMNS.index(e.field)))
    return OutletValues(**out)


def _checked_range(active_from: date, active_until: date | None) -> date | None:
    check.date_range(active_from, active_until)
    return active_until


def values_of(version: OutletVersion, brand_ids: tuple[int, ...] | None = None) -> OutletValues:
    """Returns the values a stored version holds; bulk readers pass the brand ids they loaded."""
    data = {name: getattr(version, name) for name in VERSIONED if name != "brands"}
    data["service_types"] = tuple(data["service_types"] or ())
    if brand_ids is None:
        brand_ids = tuple(sorted(brand.id for brand in version.brands))
    return OutletValues(**data, brands=brand_ids)


def changed_fields(old: OutletValues, new: OutletValues) -> list[str]:
    """Returns the names of the fields whose values differ, in column order."""
    return [name for name in _FIELD_NAMES if getattr(old, name) != getattr(new, name)]


def version_columns(values: OutletValues) -> dict[str, Any]:
    """Returns the OutletVersion column values (everything but the brands)."""
    data = {name: getattr(values, name) for name in VERSIONED if name != "brands"}
    data["service_types"] = list(values.service_types)
    return data


def as_text(values: OutletValues, brand_names: Mapping[int, str]) -> dict[str, str]:
    """Returns each versioned field as the text the CSV and the form show."""
    text = {name: getattr(values, name) for name in VERSIONED}
    text["service_types"] = ";".join(values.service_types)
    text["brands"] = ";".join(sorted(brand_names[i] for i in values.brands))
    text["active_from"] = values.active_from.isoformat()
    text["active_until"] = values.active_until.isoformat() if values.active_until else ""
    for name in ("latitude", "longitude"):
        number = getattr(values, name)
        text[name] = "" if number is None else repr(number)
    return text


def values_to_json(values: OutletValues) -> dict[str, Any]:
    """Returns the values as JSON-ready data (dates as ISO text), e.g. to keep a preview."""
    data = {name: getattr(values, name) for name in _FIELD_NAMES}
    data["active_from"] = values.active_from.isoformat()
    data["active_until"] = values.active_until.isoformat() if values.active_until else None
    return data


def values_from_json(data: dict[str, Any]) -> OutletValues:
    """Returns the values `values_to_json` wrote."""
    until = data["active_until"]
    return OutletValues(
        **{
            **data,
            "service_types": tuple(data["service_types"]),
            "brands": tuple(data["brands"]),
            "active_from": date.fromisoformat(data["active_from"]),
            "active_until": date.fromisoformat(until) if until else None,
        }
    )
