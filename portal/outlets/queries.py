"""The questions letters and requests ask of the directory."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from portal.outlets.models import Outlet, OutletVersion, outlet_version_brand


def active_on(on: date) -> sa.ColumnElement[bool]:
    """Returns the condition 'the version is in service on that day' (both ends inclusive)."""
    return sa.and_(
        OutletVersion.active_from <= on,
        sa.or_(OutletVersion.active_until.is_(None), OutletVersion.active_until >= on),
    )


def _active_current_versions(manufacturer_id: int, on: date, brand_id: int | None) -> sa.Select:
    query = (
        sa.select(OutletVersion)
        .join(Outlet, Outlet.current_version_id == OutletVersion.id)
        .where(Outlet.manufacturer_id == manufacturer_id, active_on(on))
    )
    if brand_id is not None:
        query = query.where(
            sa.exists().where(
                outlet_version_brand.c.outlet_version_id == OutletVersion.id,
                outlet_version_brand.c.brand_id == brand_id,
            )
        )
    return query


def outlets_active_in(
    session: Session, *, manufacturer_id: int, country: str, brand_id: int | None, on: date
) -> list[OutletVersion]:
    """Returns the current versions of the manufacturer's outlets serving the brand in the
    country on that day (active_from and active_until inclusive), by city and name."""
    query = (
        _active_current_versions(manufacturer_id, on, brand_id)
        .where(OutletVersion.country == country.upper())
        .options(selectinload(OutletVersion.brands))
        .order_by(OutletVersion.city, OutletVersion.name_latin, OutletVersion.id)
    )
    return list(session.scalars(query))


def countries_with_active_outlets(
    session: Session, *, manufacturer_id: int, brand_id: int | None, on: date
) -> list[str]:
    """Returns the ISO codes of the countries where the manufacturer has at least one outlet
    serving the brand on that day, sorted."""
    query = (
        _active_current_versions(manufacturer_id, on, brand_id)
        .with_only_columns(OutletVersion.country)
        .distinct()
        .order_by(OutletVersion.country)
    )
    return list(session.scalars(query))


def active_outlet_counts(
    session: Session, *, manufacturer_id: int, on: date
) -> dict[tuple[str, int | None], int]:
    """Returns how many of the manufacturer's outlets are in service on that day, keyed by
    (country, brand id) and by (country, None) for all brands together."""
    active = _active_current_versions(manufacturer_id, on, None).subquery()
    per_country = sa.select(active.c.country, sa.func.count()).group_by(active.c.country)
    per_brand = (
        sa.select(active.c.country, outlet_version_brand.c.brand_id, sa.func.count())
        .join(outlet_version_brand, outlet_version_brand.c.outlet_version_id == active.c.id)
        .group_by(active.c.country, outlet_version_brand.c.brand_id)
    )
    counts: dict[tuple[str, int | None], int] = {
        (country, None): n for country, n in session.execute(per_country)
    }
    for country, brand_id, n in session.execute(per_brand):
        counts[(country, brand_id)] = n
    return counts
