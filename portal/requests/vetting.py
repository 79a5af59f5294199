"""Checking a vehicle before a request is written: the same checks for a form, a CSV row and
a request entered on behalf of an exporter.

What the checks need from the database (the manufacturer's WMIs, brands and the countries
where each brand has active outlets today) is loaded once into an `Addressee`, so that a CSV of
5,000 rows is checked without a query per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session, selectinload

from portal.accounts.models import Brand, Organisation
from portal.accounts.roles import OrgKind
from portal.countries import is_country, normalise_country
from portal.errors import NotFound, ValidationError
from portal.outlets.queries import countries_with_active_outlets
from portal.requests.models import FuelType
from portal.vehicles.export_rule import (
    ExportDateError,
    ExportDateErrorCode,
    check_vehicle_dates,
    confirmation_requirement,
)
from portal.vehicles.vin import VinError, VinErrorCode, ensure_wmi_owned, validate_vin

LIMITS = {
    "model": 120,
    "engine_number": 40,
    "colour": 40,
    "chassis_brand": 80,
    "modified_brand": 80,
    "modified_model": 120,
}
MODIFIED_FIELDS = ("chassis_brand", "modified_brand", "modified_model")


@dataclass(frozen=True)
class Addressee:
    """A manufacturer as requests addressed to it are checked: WMIs, brands, countries."""

    manufacturer: Organisation
    wmis: frozenset[str]
    brands: dict[int, Brand]
    countries_by_brand: dict[int, frozenset[str]]
    today: date

    def brand_named(self, name: str) -> Brand | None:
        """Return the brand with this name (any case), or None."""
        wanted = name.strip().casefold()
        return next((b for b in self.brands.values() if b.name.casefold() == wanted), None)


def load_addressee(session: Session, manufacturer_id: int, *, today: date) -> Addressee:
    """Return the active manufacturer as an Addressee, or raise NotFound."""
    manufacturer = session.scalar(
        sa.select(Organisation)
        .where(
            Organisation.id == manufacturer_id,
            Organisation.kind == OrgKind.MANUFACTURER,
            Organisation.is_active.is_(True),
        )
        .options(selectinload(Organisation.brands), selectinload(Organisation.wmis))
    )
    if manufacturer is None:
        raise NotFound(_("No such manufacturer."))
    countries = {
        brand.id: frozenset(
            countries_with_active_outlets(
                session, manufacturer_id=manufacturer.id, brand_id=brand.id, on=today
            )
        )
        for brand in manufacturer.brands
    }
    return Addressee(
        manufacturer=manufacturer,
        wmis=frozenset(w.code for w in manufacturer.wmis),
        brands={brand.id: brand for brand in manufacturer.brands},
        countries_by_brand=countries,
        today=today,
    )


@dataclass
class VehicleInput:
    """A vehicle as typed: dates already parsed (None when missing), text not yet checked."""

    brand_id: int | None
    country: str
    model: str
    vin: str
    registration_date: date | None
    transfer_registration_date: date | None
    application_date: date | None = None
    engine_number: str = ""
    colour: str = ""
    fuel_type: FuelType | None = None
    chassis_brand: str = ""
    modified_brand: str = ""
    modified_model: str = ""


@dataclass(frozen=True)
class CheckedVehicle:
    """A vehicle that passed every check, with its values as they are stored."""

    brand: Brand
    country: str
    model: str
    vin: str
    registration_date: date
    transfer_registration_date: date
    application_date: date
    engine_number: str
    colour: str
    fuel_type: FuelType | None
    chassis_brand: str
    modified_brand: str
    modified_model: str


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a vehicle: the field (or CSV column) and what to do about it."""

    field: str
    message: str


class VehicleRejected(ValidationError):
    """A vehicle with one or more problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems[0].message, field=problems[0].field)
        self.problems = problems


def vet_vehicle(addressee: Addressee, vehicle: VehicleInput) -> CheckedVehicle:
    """Return the vehicle as it is stored, or raise VehicleRejected listing every problem."""
    problems: list[Problem] = []
    brand = addressee.brands.get(vehicle.brand_id) if vehicle.brand_id is not None else None
    if brand is None:
        problems.append(
            Problem("brand", _("Choose one of the brands of %(m)s.", m=_name(addressee)))
        )
    country = normalise_country(vehicle.country)
    problems += _country_problems(addressee, brand, country)
    texts = {name: getattr(vehicle, name).strip() for name in LIMITS}
    if not texts["model"]:
        problems.append(Problem("model", _("The model is required, as on the certificate.")))
    problems += _length_problems(texts)
    problems += _modified_problems(texts)
    vin, vin_problem = _checked_vin(addressee, vehicle.vin)
    if vin_problem:
        problems.append(vin_problem)
    application_date = vehicle.application_date or addressee.today
    problems += _date_problems(vehicle, application_date, addressee.today)
    if problems:
        raise VehicleRejected(problems)
    # Type narrowing: with no problems found, the brand and both dates are set.
    assert brand is not None and vehicle.registration_date and vehicle.transfer_registration_date  # nosec B101
    return CheckedVehicle(
        brand=brand,
        country=country,
        vin=vin,
        registration_date=vehicle.registration_date,
        transfer_registration_date=vehicle.transfer_registration_date,
        application_date=application_date,
        fuel_type=vehicle.fuel_type,
        **texts,
    )


def _name(addressee: Addressee) -> str:
    return addressee.manufacturer.name_zh or addressee.manufacturer.name_en


def _country_problems(addressee: Addressee, brand: Brand | None, country: str) -> list[Problem]:
    if not country:
        return [Problem("country", _("The destination country is required."))]
    if not is_country(country):
        return [
            Problem(
                "country",
                _("%(code)s is not a country code (ISO 3166-1, two letters).", code=country),
            )
        ]
    if brand is not None and country not in addressee.countries_by_brand.get(brand.id, ()):
        return [Problem("country", no_outlets_message(addressee, brand, country))]
    return []


def no_outlets_message(addressee: Addressee, brand: Brand, country: str) -> str:
    """Return why a confirmation cannot be requested for this brand in this country."""
    return _(
        "%(m)s has no active after-sales outlet for %(brand)s in %(country)s today. The "
        "confirmation must name the outlets serving the vehicle in the destination country, "
        "so it cannot be requested until the manufacturer lists one.",
        m=_name(addressee),
        brand=brand.name,
        country=country,
    )


def _length_problems(texts: dict[str, str]) -> list[Problem]:
    return [
        Problem(name, _("At most %(n)d characters.", n=limit))
        for name, limit in LIMITS.items()
        if len(texts[name]) > limit
    ]


def _modified_problems(texts: dict[str, str]) -> list[Problem]:
    # Modified vehicles are declared with all three values (notice point IV), or none.
    given = [name for name in MODIFIED_FIELDS if texts[name]]
    if not given or len(given) == len(MODIFIED_FIELDS):
        return []
    return [
        Problem(
            name,
            _(
                "For a modified vehicle, give the chassis brand, the modified-vehicle brand "
                "and its model; leave all three empty otherwise."
            ),
        )
        for name in MODIFIED_FIELDS
        if name not in given
    ]


def _checked_vin(addressee: Addressee, text: str) -> tuple[str, Problem | None]:
    try:
        vin = validate_vin(text or "")
        ensure_wmi_owned(vin, addressee.wmis)
    except VinError as error:
        return "", Problem("vin", vin_message(error, addressee))
    return vin, None


def vin_message(error: VinError, addressee: Addressee) -> str:
    """Return the VIN problem in the person's language."""
    if error.code is VinErrorCode.LENGTH:
        return _("A VIN has 17 characters; %(n)s were given.", n=error.found)
    if error.code is VinErrorCode.CHARACTERS and error.character in ("I", "O", "Q"):
        return _(
            "Character %(pos)d of the VIN is %(char)s: the letters I, O and Q are never used "
            "in a VIN (did you mean 1 or 0?).",
            pos=error.position,
            char=error.character,
        )
    if error.code is VinErrorCode.CHARACTERS:
        return _(
            "Character %(pos)d of the VIN is %(char)s: a VIN holds only the digits 0-9 and the "
            "letters A-Z except I, O and Q.",
            pos=error.position,
            char=repr(error.character),
        )
    if error.code is VinErrorCode.CHECK_DIGIT:
        return _(
            "The check digit (character 9) of the VIN is %(found)s, but the other characters "
            "give %(expected)s: a character is probably mistyped.",
            found=error.found,
            expected=error.expected,
        )
    return _(
        "The VIN starts with %(wmi)s, which is not a manufacturer identifier of %(m)s: a "
        "manufacturer may only confirm vehicles it made.",
        wmi=error.wmi,
        m=_name(addressee),
    )


def _date_problems(vehicle: VehicleInput, application_date: date, today: date) -> list[Problem]:
    problems = []
    if vehicle.registration_date is None:
        problems.append(Problem("registration_date", _("The registration date is required.")))
    if vehicle.transfer_registration_date is None:
        problems.append(
            Problem(
                "transfer_registration_date",
                _("The date of the transfer registration awaiting export is required."),
            )
        )
    if problems:
        return problems
    assert vehicle.registration_date is not None  # type narrowing, checked above  # nosec B101
    try:
        check_vehicle_dates(
            registration_date=vehicle.registration_date,
            transfer_registration_date=vehicle.transfer_registration_date,
            today=today,
        )
        confirmation_requirement(
            registration_date=vehicle.registration_date,
            application_date=application_date,
            transfer_registration_date=vehicle.transfer_registration_date,
        )
    except ExportDateError as error:
        return [Problem(error.field, date_message(error, today))]
    return []


def date_message(error: ExportDateError, today: date) -> str:
    """Return the date problem in the person's language."""
    if error.code is ExportDateErrorCode.IN_FUTURE:
        return _("This date is in the future (today is %(today)s).", today=today.isoformat())
    if error.code is ExportDateErrorCode.TRANSFER_BEFORE_REGISTRATION:
        return _(
            "The transfer registration awaiting export cannot be dated before the registration."
        )
    return _("The export licence application cannot be dated before the registration.")
