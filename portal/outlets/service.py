"""Operations on a manufacturer's outlets. They flush; the caller commits.

Nothing here deletes or changes a stored version: an edit adds a version and moves the outlet's
pointer to it, so a letter keeps the version it was issued with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal import countries
from portal.accounts.models import Brand, Organisation, User
from portal.audit.record import record
from portal.clock import today_in_china
from portal.db import utcnow
from portal.errors import Conflict, NotFound, ValidationError
from portal.outlets import queries
from portal.outlets import validation as check
from portal.outlets.models import Outlet, OutletVersion
from portal.outlets.values import (
    InvalidOutlet,
    OutletValues,
    changed_fields,
    parse_values,
    values_of,
    version_columns,
)


class OutletInvalid(ValidationError):
    """Refused outlet fields; `errors` holds every one (field and message)."""

    def __init__(self, errors: list[check.FieldError]) -> None:
        super().__init__(errors[0].message, field=errors[0].field)
        self.errors = errors


class NoActiveOutlets(ValidationError):
    """A letter cannot be issued: no outlet serves the brand in the country on the day."""


def today() -> date:
    """Returns today's date in China, the Portal's calendar, the day the directory counts as
    'now'."""
    return today_in_china()


def brand_names(manufacturer: Organisation) -> dict[str, int]:
    """Returns the manufacturer's brand names, case-folded, mapped to their ids."""
    return {brand.name.casefold(): brand.id for brand in manufacturer.brands}


def checked_values(manufacturer: Organisation, raw: Mapping[str, Any]) -> OutletValues:
    """Returns the checked values of a form or CSV record, or raises OutletInvalid."""
    try:
        return parse_values(raw, brands=brand_names(manufacturer))
    except InvalidOutlet as error:
        raise OutletInvalid(error.errors) from None


def outlet_of(
    session: Session, *, manufacturer_id: int, outlet_id: int, for_update: bool = False
) -> Outlet:
    """Returns the manufacturer's outlet; another manufacturer's or a missing one is NotFound."""
    query = sa.select(Outlet).where(
        Outlet.id == outlet_id, Outlet.manufacturer_id == manufacturer_id
    )
    outlet = session.scalar(query.with_for_update() if for_update else query)
    if outlet is None:
        raise NotFound(_("No such outlet."))
    return outlet


def _add_version(
    session: Session,
    outlet: Outlet,
    values: OutletValues,
    *,
    changed: list[str],
    actor: User | None,
) -> OutletVersion:
    number = outlet.current.number + 1 if outlet.current is not None else 1
    brands = session.scalars(
        sa.select(Brand).where(Brand.id.in_(values.brands)).order_by(Brand.name)
    ).all()
    version = OutletVersion(
        outlet=outlet,
        number=number,
        changed_fields=changed,
        created_by=actor,
        brands=list(brands),
        **version_columns(values),
    )
    session.add(version)
    outlet.current = version
    outlet.country = values.country
    outlet.updated_at = utcnow()
    session.flush()
    return version


def create_outlet(
    session: Session, *, manufacturer: Organisation, raw: Mapping[str, Any], actor: User | None
) -> Outlet:
    """Returns a new outlet with its first version, after checking every field."""
    errors: list[check.FieldError] = []
    try:
        code = check.outlet_code(raw.get("outlet_code"))
    except check.FieldError as error:
        errors.append(error)
    try:
        values = checked_values(manufacturer, raw)
    except OutletInvalid as error:
        errors.extend(error.errors)
    if errors:
        raise OutletInvalid(errors)
    taken = sa.select(Outlet.id).where(
        Outlet.manufacturer_id == manufacturer.id, Outlet.code == code
    )
    if session.scalar(taken) is not None:
        raise Conflict(
            _("Another outlet already has the code %(code)s.", code=code), field="outlet_code"
        )
    outlet = Outlet(manufacturer_id=manufacturer.id, code=code, country=values.country)
    session.add(outlet)
    _add_version(session, outlet, values, changed=[], actor=actor)
    record(
        session,
        "outlet.created",
        actor=actor,
        organisation_id=manufacturer.id,
        obj=outlet,
        code=code,
        country=values.country,
    )
    return outlet


def update_outlet(
    session: Session,
    outlet: Outlet,
    *,
    raw: Mapping[str, Any],
    actor: User | None,
    based_on: int | None = None,
) -> OutletVersion | None:
    """Returns the new version, or None when nothing changed (then nothing is written).

    `based_on` is the version number the editor saw: if another edit came first, Conflict.
    The outlet code never changes (imports match on it); a raw 'outlet_code' is ignored.
    """
    current = outlet.current
    assert current is not None  # type narrowing; an outlet always has a version  # nosec B101
    if based_on is not None and based_on != current.number:
        raise Conflict(_("Someone changed this outlet while you were editing it. Open it again."))
    new = checked_values(outlet.manufacturer, raw)
    changed = changed_fields(values_of(current), new)
    if not changed:
        return None
    version = _add_version(session, outlet, new, changed=changed, actor=actor)
    record(
        session,
        "outlet.updated",
        actor=actor,
        organisation_id=outlet.manufacturer_id,
        obj=outlet,
        code=outlet.code,
        version=version.number,
        fields=changed,
    )
    return version


def deactivate_outlet(
    session: Session, outlet: Outlet, *, last_day: date | None = None, actor: User | None
) -> OutletVersion:
    """Returns the new version that ends the outlet's service after `last_day` (inclusive).

    By default the last day is yesterday, so the outlet is out of the directory at once and
    no letter issued from now on can list it.
    """
    current = outlet.current
    assert current is not None  # type narrowing; an outlet always has a version  # nosec B101
    day = last_day or today() - timedelta(days=1)
    if current.active_until is not None and current.active_until <= day:
        raise ValidationError(
            _("This outlet already ends on %(day)s.", day=current.active_until.isoformat()),
            field="last_day",
        )
    if day < current.active_from:
        raise ValidationError(
            _(
                "This outlet starts on %(start)s; its last day cannot be earlier.",
                start=current.active_from.isoformat(),
            ),
            field="last_day",
        )
    ended = replace(values_of(current), active_until=day)
    version = _add_version(session, outlet, ended, changed=["active_until"], actor=actor)
    record(
        session,
        "outlet.deactivated",
        actor=actor,
        organisation_id=outlet.manufacturer_id,
        obj=outlet,
        code=outlet.code,
        last_day=day.isoformat(),
    )
    return version


def set_directory_public(
    session: Session, manufacturer: Organisation, public: bool, *, actor: User
) -> None:
    """Lists the manufacturer's active outlets on the public directory, or stops listing them."""
    manufacturer.outlet_directory_public = public
    session.flush()
    record(
        session,
        "outlets.directory_published" if public else "outlets.directory_withdrawn",
        actor=actor,
        organisation_id=manufacturer.id,
        obj=manufacturer,
    )


def outlets_for_letter(
    session: Session, *, manufacturer_id: int, country: str, brand_id: int, on: date
) -> list[OutletVersion]:
    """Returns the outlet versions a letter for this brand, country and day lists.

    Raises NoActiveOutlets (shown next to the letter's country) when there is none, since a
    letter without an outlet in the export country must not be issued.
    """
    manufacturer = session.get(Organisation, manufacturer_id)
    brand = session.get(Brand, brand_id)
    if manufacturer is None or brand is None or brand.organisation_id != manufacturer_id:
        raise NotFound(_("No such brand."))
    outlets = queries.outlets_active_in(
        session, manufacturer_id=manufacturer_id, country=country, brand_id=brand_id, on=on
    )
    if not outlets:
        locale = str(get_locale() or "en")
        raise NoActiveOutlets(
            _(
                "%(manufacturer)s has no outlet serving brand %(brand)s in %(country)s on "
                "%(day)s; add one in the outlet directory first.",
                manufacturer=_name_in(manufacturer, locale),
                brand=brand.name,
                country=countries.country_name(country.upper(), locale),
                day=on.isoformat(),
            ),
            field="country",
        )
    return outlets


def _name_in(organisation: Organisation, locale: str) -> str:
    if locale.startswith("zh") and organisation.name_zh:
        return organisation.name_zh
    return organisation.name_en
