"""Importing a CSV batch: every row is checked first, and only a file without a single bad row
is written, all its requests in one flush.

What the checks need is loaded once (the Addressee: WMIs, brands, countries with outlets) and
the exporter's pending requests are looked up for all VINs together, so the number of queries
does not grow with the number of rows.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.accounts.models import Organisation, User
from portal.audit.record import record
from portal.db import UTCDateTime, utcnow
from portal.errors import ValidationError
from portal.requests.attachments import clean_filename
from portal.requests.csv_io import CsvRow, RowError, read_rows, vehicle_input
from portal.requests.models import LetterRequest, RequestBatch, RequestEvent
from portal.requests.service import ExporterIdentity, pending_duplicates, request_values
from portal.requests.vetting import Addressee, CheckedVehicle, VehicleRejected, vet_vehicle


class BatchRejected(ValidationError):
    """A batch with bad rows; nothing was written. `errors` lists each problem."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(_("%(n)d problem(s) in the file; nothing was imported.", n=len(errors)))
        self.errors = errors


def vet_rows(
    addressee: Addressee, rows: list[CsvRow]
) -> tuple[list[tuple[CsvRow, CheckedVehicle]], list[RowError]]:
    """Return the rows that passed with their checked vehicles, and every problem found."""
    passed: list[tuple[CsvRow, CheckedVehicle]] = []
    errors: list[RowError] = []
    first_row_of: dict[tuple[str, str], int] = {}
    for row in rows:
        vehicle, row_errors = vehicle_input(row, addressee)
        try:
            checked = vet_vehicle(addressee, vehicle)
        except VehicleRejected as rejected:
            # A cell that could not be read is reported once, not again as "missing".
            unreadable = {error.column for error in row_errors}
            row_errors += [
                RowError(row.number, p.field, p.message)
                for p in rejected.problems
                if p.field not in unreadable
            ]
            errors += row_errors
            continue
        if row_errors:
            errors += row_errors
            continue
        key = (checked.vin, checked.country)
        if key in first_row_of:
            errors.append(
                RowError(
                    row.number,
                    "vin",
                    _("Row %(n)d has the same vehicle and country.", n=first_row_of[key]),
                )
            )
            continue
        first_row_of[key] = row.number
        passed.append((row, checked))
    return passed, errors


def _still_open(
    session: Session,
    addressee: Addressee,
    identity: ExporterIdentity,
    passed: list[tuple[CsvRow, CheckedVehicle]],
) -> list[RowError]:
    """Return an error for each row whose vehicle and country the exporter has pending."""
    open_ones = pending_duplicates(
        session,
        manufacturer_id=addressee.manufacturer.id,
        exporter=identity,
        vehicles=[(checked.vin, checked.country) for _row, checked in passed],
    )
    return [
        RowError(
            row.number,
            "vin",
            _(
                "Request #%(id)d for this vehicle and country is still open.",
                id=open_ones[(checked.vin, checked.country)],
            ),
        )
        for row, checked in passed
        if (checked.vin, checked.country) in open_ones
    ]


def _write_requests(
    session: Session,
    batch: RequestBatch,
    vehicles: list[CheckedVehicle],
    addressee: Addressee,
    identity: ExporterIdentity,
    actor: User,
) -> None:
    """Writes the requests and their creation events in two statements, whatever the count.

    The ORM would insert row by row to learn each new id; the events instead take their
    request ids from the rows just written, with one INSERT ... SELECT.
    """
    now = utcnow()
    rows = [
        {
            **request_values(
                vehicle=vehicle,
                addressee=addressee,
                exporter=identity,
                actor=actor,
                submit=batch.submitted,
                now=now,
            ),
            "batch_id": batch.id,
        }
        for vehicle in vehicles
    ]
    session.execute(sa.insert(LetterRequest), rows)
    written = sa.select(
        LetterRequest.id,
        sa.literal(now, UTCDateTime()),
        sa.literal(actor.id),
        LetterRequest.status,
        sa.literal(""),
    ).where(LetterRequest.batch_id == batch.id)
    session.execute(
        sa.insert(RequestEvent).from_select(
            ["request_id", "at", "actor_id", "to_status", "note"], written
        )
    )


def import_batch(
    session: Session,
    *,
    addressee: Addressee,
    exporter: Organisation,
    data: bytes,
    filename: str,
    submit: bool,
    actor: User,
) -> RequestBatch:
    """Return the batch with one request per row, or raise BatchRejected / CsvRefused."""
    rows, errors = read_rows(data)
    passed, vet_errors = vet_rows(addressee, rows)
    errors += vet_errors
    identity = ExporterIdentity(organisation=exporter)
    errors += _still_open(session, addressee, identity, passed)
    if errors:
        raise BatchRejected(sorted(errors, key=lambda e: (e.row, e.column)))
    batch = RequestBatch(
        exporter_id=exporter.id,
        manufacturer_id=addressee.manufacturer.id,
        filename=clean_filename(filename),
        sha256=hashlib.sha256(data).hexdigest(),
        row_count=len(passed),
        submitted=submit,
        created_by_id=actor.id,
    )
    session.add(batch)
    session.flush()
    vehicles = [checked for _row, checked in passed]
    _write_requests(session, batch, vehicles, addressee, identity, actor)
    record(
        session,
        "request.batch_imported",
        actor=actor,
        obj=batch,
        rows=len(passed),
        manufacturer_id=addressee.manufacturer.id,
        submitted=submit,
    )
    return batch
