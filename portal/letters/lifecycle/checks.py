"""What is checked before a letter is issued: the vehicle (the same checks as a request, again
at issuance time), the exporter, the outlets serving the destination today, and that the VIN
has no other valid letter for that country unless this letter supersedes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.accounts.models import Brand, Organisation
from portal.accounts.roles import OrgKind
from portal.accounts.service import uscc_problem
from portal.accounts.uscc import UsccError, validate_uscc
from portal.errors import Conflict, NotFound, ValidationError
from portal.letters.lifecycle.models import Letter, LetterStatus
from portal.letters.lifecycle.orders import LetterOrder
from portal.letters.lifecycle.service import status_label
from portal.outlets.models import OutletVersion
from portal.outlets.service import outlets_for_letter
from portal.requests.models import FuelType
from portal.requests.vetting import Addressee, VehicleInput, load_addressee, vet_vehicle


@dataclass(frozen=True)
class CheckedOrder:
    """An order that passed every check, with the values the letter will carry."""

    brand: Brand
    model: str
    vin: str
    registration_date: date
    transfer_registration_date: date
    engine_number: str
    colour: str
    fuel_type: str
    country: str
    exporter_name: str
    exporter_uscc: str
    outlets: list[OutletVersion]
    supersedes: Letter | None


def check_order(
    session: Session,
    manufacturer: Organisation | None,
    order: LetterOrder,
    today: date,
    addressee: Addressee | None = None,
) -> CheckedOrder:
    """Returns the checked order, or raises a PortalError saying what is wrong."""
    if manufacturer is None or manufacturer.kind is not OrgKind.MANUFACTURER:
        raise NotFound(_("No such manufacturer."))
    addressee = addressee or load_addressee(session, manufacturer.id, today=today)
    vehicle = vet_vehicle(
        addressee,
        VehicleInput(
            brand_id=order.brand_id,
            country=order.country,
            model=order.model,
            vin=order.vin,
            registration_date=order.registration_date,
            transfer_registration_date=order.transfer_registration_date,
            application_date=today,
            engine_number=order.engine_number,
            colour=order.colour,
            fuel_type=FuelType(order.fuel_type) if order.fuel_type else None,
        ),
    )
    exporter_name, exporter_uscc = _checked_exporter(order)
    outlets = outlets_for_letter(
        session,
        manufacturer_id=manufacturer.id,
        country=vehicle.country,
        brand_id=vehicle.brand.id,
        on=today,
    )
    supersedes = _superseded(session, manufacturer, order, vehicle.vin)
    _refuse_second_valid_letter(
        session, manufacturer, vehicle.vin, vehicle.country, supersedes, today
    )
    return CheckedOrder(
        brand=vehicle.brand,
        model=vehicle.model,
        vin=vehicle.vin,
        registration_date=vehicle.registration_date,
        transfer_registration_date=vehicle.transfer_registration_date,
        engine_number=vehicle.engine_number,
        colour=vehicle.colour,
        fuel_type=vehicle.fuel_type.value if vehicle.fuel_type else "",
        country=vehicle.country,
        exporter_name=exporter_name,
        exporter_uscc=exporter_uscc,
        outlets=outlets,
        supersedes=supersedes,
    )


def _checked_exporter(order: LetterOrder) -> tuple[str, str]:
    name = (order.exporter_name or "").strip()
    if not name or len(name) > 200:
        raise ValidationError(
            _("The exporter's legal name is required (at most 200 characters)."),
            field="exporter_name",
        )
    if not order.exporter_uscc:
        return name, ""
    try:
        return name, validate_uscc(order.exporter_uscc)
    except UsccError as error:
        raise ValidationError(uscc_problem(error), field="exporter_uscc") from None


def _superseded(
    session: Session, manufacturer: Organisation, order: LetterOrder, vin: str
) -> Letter | None:
    if order.supersedes_id is None:
        return None
    old = session.scalar(
        sa.select(Letter).where(
            Letter.id == order.supersedes_id, Letter.manufacturer_id == manufacturer.id
        )
    )
    if old is None:
        raise NotFound(_("No such letter."))
    if old.status is not LetterStatus.ISSUED:
        raise Conflict(
            _(
                "Letter %(number)s is %(status)s: only a valid letter can be superseded.",
                number=old.number,
                status=status_label(old.status),
            )
        )
    if old.vin != vin:
        raise ValidationError(
            _("A corrected letter keeps the VIN of the letter it replaces (%(vin)s).", vin=old.vin),
            field="vin",
        )
    return old


def _refuse_second_valid_letter(
    session: Session,
    manufacturer: Organisation,
    vin: str,
    country: str,
    supersedes: Letter | None,
    today: date,
) -> None:
    query = sa.select(Letter).where(
        Letter.manufacturer_id == manufacturer.id,
        Letter.vin == vin,
        Letter.country == country,
        Letter.status == LetterStatus.ISSUED,
        Letter.valid_until >= today,
    )
    if supersedes is not None:
        query = query.where(Letter.id != supersedes.id)
    existing = session.scalar(query)
    if existing is not None:
        raise Conflict(
            _(
                "VIN %(vin)s already has a valid letter for %(country)s: "
                "%(number)s. Supersede it with a corrected letter instead.",
                vin=vin,
                country=country,
                number=existing.number,
            ),
            field="vin",
        )
