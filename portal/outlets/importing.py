"""Importing an outlet CSV: a plan (create / update / unchanged / problems), then all of it.

Every field is checked once, when the file is uploaded (`parse_file`); the checked rows are kept
with the preview. `classify` compares them with the directory and the brands as they are at
that moment, at the preview and again when applying, which is refused if the plan differs from
the one the user saw. Rows are matched on the outlet code. Reads are one query for all existing
outlets, so 10,000 rows take seconds, not minutes; the writes are in import_writes.py.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.accounts.models import Organisation
from portal.outlets import validation as check
from portal.outlets.csv_io import CsvProblem, CsvRow, read_rows
from portal.outlets.models import Outlet, OutletVersion, outlet_version_brand
from portal.outlets.service import brand_names
from portal.outlets.values import (
    VERSIONED,
    InvalidOutlet,
    OutletValues,
    changed_fields,
    parse_values,
)

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"


@dataclass(frozen=True)
class Existing:
    outlet_id: int
    number: int
    values: OutletValues


@dataclass(frozen=True)
class ParsedRow:
    """A row whose every field is valid, before it is compared with the directory."""

    number: int
    code: str
    values: OutletValues


@dataclass(frozen=True)
class PlannedRow:
    number: int
    code: str
    action: str
    changed: list[str]
    values: OutletValues
    existing: Existing | None


@dataclass
class ImportPlan:
    rows: list[PlannedRow] = field(default_factory=list)
    problems: list[CsvProblem] = field(default_factory=list)
    parsed: list[ParsedRow] = field(default_factory=list)

    def of(self, action: str) -> list[PlannedRow]:
        return [row for row in self.rows if row.action == action]

    def counts(self) -> dict[str, int]:
        counts = {CREATE: 0, UPDATE: 0, UNCHANGED: 0}
        for row in self.rows:
            counts[row.action] += 1
        return {**counts, "errors": len(self.problems)}

    def digest(self) -> str:
        """Returns a fingerprint of what the preview shows, to detect changes before applying."""
        shown = [(r.number, r.code, r.action, r.changed) for r in self.rows]
        problems = [(p.row, p.column, p.message) for p in self.problems]
        text = json.dumps([shown, problems], ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def existing_outlets(session: Session, manufacturer_id: int) -> dict[str, Existing]:
    """Returns the manufacturer's outlets by code, with their current values (two queries)."""
    columns = [getattr(OutletVersion, name) for name in VERSIONED if name != "brands"]
    current = (
        sa.select(Outlet.code, Outlet.id, OutletVersion.id, OutletVersion.number, *columns)
        .join(OutletVersion, Outlet.current_version_id == OutletVersion.id)
        .where(Outlet.manufacturer_id == manufacturer_id)
    )
    links = (
        sa.select(outlet_version_brand.c.outlet_version_id, outlet_version_brand.c.brand_id)
        .join(Outlet, Outlet.current_version_id == outlet_version_brand.c.outlet_version_id)
        .where(Outlet.manufacturer_id == manufacturer_id)
    )
    brands: dict[int, list[int]] = {}
    for version_id, brand_id in session.execute(links):
        brands.setdefault(version_id, []).append(brand_id)
    existing = {}
    # Plain rows, not ORM objects: ten thousand outlets load in a fraction of a second.
    for code, outlet_id, version_id, number, *values in session.execute(current):
        stored = dict(zip((c.key for c in columns), values, strict=True))
        stored["service_types"] = tuple(stored["service_types"] or ())
        brand_ids = tuple(sorted(brands.get(version_id, ())))
        existing[code] = Existing(outlet_id, number, OutletValues(**stored, brands=brand_ids))
    return existing


def _parse_row(row: CsvRow, brands: dict[str, int]) -> ParsedRow | list[CsvProblem]:
    errors: list[check.FieldError] = []
    code = ""
    try:
        code = check.outlet_code(row.cells.get("outlet_code"))
    except check.FieldError as error:
        errors.append(error)
    try:
        values = parse_values(row.cells, brands=brands)
    except InvalidOutlet as error:
        errors.extend(error.errors)
    if errors:
        return [CsvProblem(row.number, e.field, e.message) for e in errors]
    return ParsedRow(row.number, code, values)


def parse_file(data: bytes, brands: dict[str, int]) -> tuple[list[ParsedRow], list[CsvProblem]]:
    """Returns the rows whose every field is valid, and the problems of all the others.

    Raises CsvFileError when the file as a whole cannot be read (encoding, header, empty).
    """
    rows, problems = read_rows(data)
    parsed: list[ParsedRow] = []
    first_row: dict[str, int] = {}
    for row in rows:
        result = _parse_row(row, brands)
        if isinstance(result, list):
            problems.extend(result)
        elif result.code in first_row:
            message = _(
                "The outlet code %(code)s is already on row %(row)d.",
                code=result.code,
                row=first_row[result.code],
            )
            problems.append(CsvProblem(row.number, "outlet_code", message))
        else:
            first_row[result.code] = row.number
            parsed.append(result)
    return parsed, problems


def classify(
    session: Session,
    manufacturer: Organisation,
    parsed: list[ParsedRow],
    problems: list[CsvProblem],
) -> ImportPlan:
    """Returns the plan for checked rows against the directory and the brands as they are now."""
    plan = ImportPlan(problems=list(problems))
    brand_ids = {brand.id for brand in manufacturer.brands}
    existing = existing_outlets(session, manufacturer.id)
    for row in parsed:
        if not set(row.values.brands) <= brand_ids:
            message = _("A brand of this row is no longer one of the manufacturer's brands.")
            plan.problems.append(CsvProblem(row.number, "brands", message))
            continue
        known = existing.get(row.code)
        if known is None:
            plan.rows.append(PlannedRow(row.number, row.code, CREATE, [], row.values, None))
            continue
        changed = changed_fields(known.values, row.values)
        action = UPDATE if changed else UNCHANGED
        plan.rows.append(PlannedRow(row.number, row.code, action, changed, row.values, known))
    plan.problems.sort(key=lambda p: p.row)
    return plan


def build_plan(session: Session, manufacturer: Organisation, data: bytes) -> ImportPlan:
    """Returns the plan for the file against the directory as it is now.

    Raises CsvFileError when the file as a whole cannot be read (encoding, header, empty).
    """
    parsed, problems = parse_file(data, brand_names(manufacturer))
    plan = classify(session, manufacturer, parsed, problems)
    plan.parsed = parsed
    return plan
