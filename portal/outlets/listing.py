"""What the manufacturer's outlet pages list: the coverage overview and a country's outlets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from portal.outlets.models import Outlet, OutletVersion, ServiceType, outlet_version_brand
from portal.outlets.queries import active_on, active_outlet_counts

PER_PAGE = 100


@dataclass
class CountryCoverage:
    """One country of the overview: outlets in total, in service today, per brand."""

    country: str
    total: int
    active: int = 0
    by_brand: dict[int, int] = field(default_factory=dict)
    last_change: datetime | None = None


def coverage(session: Session, *, manufacturer_id: int, on: date) -> list[CountryCoverage]:
    """Returns one entry per country where the manufacturer has outlets, by country code."""
    rows = session.execute(
        sa.select(Outlet.country, sa.func.count(Outlet.id), sa.func.max(OutletVersion.created_at))
        .join(OutletVersion, Outlet.current_version_id == OutletVersion.id)
        .where(Outlet.manufacturer_id == manufacturer_id)
        .group_by(Outlet.country)
        .order_by(Outlet.country)
    )
    result = {
        country: CountryCoverage(country=country, total=total, last_change=last)
        for country, total, last in rows
    }
    counts = active_outlet_counts(session, manufacturer_id=manufacturer_id, on=on)
    for (country, brand_id), n in counts.items():
        entry = result.get(country)
        if entry is None:
            continue
        if brand_id is None:
            entry.active = n
        else:
            entry.by_brand[brand_id] = n
    return list(result.values())


@dataclass(frozen=True)
class OutletFilter:
    """The search box and filters of a country's list."""

    text: str = ""
    brand_id: int | None = None
    service: str | None = None
    state: str = "all"  # all | active | inactive (on the day asked)


def _filtered(query: sa.Select, filters: OutletFilter, on: date) -> sa.Select:
    if filters.text:
        text = filters.text.strip()
        query = query.where(
            sa.or_(
                OutletVersion.name_local.icontains(text, autoescape=True),
                OutletVersion.name_latin.icontains(text, autoescape=True),
                OutletVersion.city.icontains(text, autoescape=True),
                Outlet.code.icontains(text, autoescape=True),
            )
        )
    if filters.brand_id is not None:
        query = query.where(
            sa.exists().where(
                outlet_version_brand.c.outlet_version_id == OutletVersion.id,
                outlet_version_brand.c.brand_id == filters.brand_id,
            )
        )
    if filters.service in {service.value for service in ServiceType}:
        # The list is stored as JSON text ["repair", "warranty"]; the quoted value is unique
        # in it and the same on SQLite and PostgreSQL.
        query = query.where(
            sa.cast(OutletVersion.service_types, sa.Text).contains(f'"{filters.service}"')
        )
    if filters.state == "active":
        query = query.where(active_on(on))
    elif filters.state == "inactive":
        query = query.where(sa.not_(active_on(on)))
    return query


def outlets_in_country(
    session: Session,
    *,
    manufacturer_id: int,
    country: str,
    filters: OutletFilter,
    on: date,
    page: int = 1,
) -> tuple[list[Outlet], int]:
    """Returns one page of the manufacturer's outlets in the country, and how many match."""
    base = (
        sa.select(Outlet)
        .join(OutletVersion, Outlet.current_version_id == OutletVersion.id)
        .where(Outlet.manufacturer_id == manufacturer_id, Outlet.country == country)
    )
    query = _filtered(base, filters, on)
    total = session.scalar(query.with_only_columns(sa.func.count(Outlet.id))) or 0
    outlets = session.scalars(
        query.options(selectinload(Outlet.current).selectinload(OutletVersion.brands))
        .order_by(OutletVersion.city, OutletVersion.name_latin, Outlet.id)
        .limit(PER_PAGE)
        .offset((max(page, 1) - 1) * PER_PAGE)
    )
    return list(outlets), total


def history(outlet: Outlet) -> list[tuple[OutletVersion, OutletVersion | None]]:
    """Returns each version with the one before it (None for the first), newest first."""
    versions = list(outlet.versions)
    pairs = [(v, versions[i - 1] if i else None) for i, v in enumerate(versions)]
    return list(reversed(pairs))
