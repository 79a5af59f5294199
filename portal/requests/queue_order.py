"""The review queue's sort orders: one per column of the table, either way round."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from portal.accounts.models import Brand, Organisation
from portal.requests.models import LetterRequest

SORT_KEYS = ("id", "vin", "vehicle", "exporter", "country", "rule", "status", "submitted", "flags")


def _others_for_the_vin() -> sa.ScalarSelect:
    # The flags column counts the other requests for the same vehicle to this manufacturer.
    other = aliased(LetterRequest)
    return (
        sa.select(sa.func.count(other.id))
        .where(
            other.vin == LetterRequest.vin,
            other.manufacturer_id == LetterRequest.manufacturer_id,
            other.id != LetterRequest.id,
            other.submitted_at.is_not(None),
        )
        .scalar_subquery()
    )


def sorted_queue(
    query: sa.Select, exporter: type[Organisation], key: str, *, descending: bool
) -> sa.Select:
    """Returns the query ordered by the column `key` (ties by id, the same way round)."""
    exporter_name = sa.func.coalesce(
        exporter.name_zh, exporter.name_en, LetterRequest.exporter_name
    )
    columns: dict[str, list[sa.ColumnElement]] = {
        "id": [],
        "vin": [LetterRequest.vin],
        "vehicle": [Brand.name, LetterRequest.model],
        "exporter": [exporter_name],
        "country": [LetterRequest.country],
        # day N of 180: the later the registration, the fewer days have passed
        "rule": [LetterRequest.registration_date.desc()],
        "status": [LetterRequest.status],
        "submitted": [LetterRequest.submitted_at],
        "flags": [_others_for_the_vin()],
    }
    if key not in columns:
        return query
    if key == "vehicle":
        query = query.join(Brand, Brand.id == LetterRequest.brand_id)
    order = [*columns[key], LetterRequest.id]
    if descending:
        order = [_reversed(column) for column in order]
    return query.order_by(*order)


def _reversed(column: sa.ColumnElement) -> sa.ColumnElement:
    modifier = getattr(column, "modifier", None)
    if modifier is sa.sql.operators.desc_op:
        return column.element.asc()
    return column.desc()
