"""Importing a CSV batch: every row is checked first, and only a file without a single bad row
is written, all its requests in one flush.

What the checks need is loaded once (the Addressee: WMIs, brands, countries with outlets) and
the exporter's pending requests are looked up for all VINs together, so the number of queries
does not grow with the number of rows.

A ZIP file of certificate scans may come with the CSV file (scan_archive.py). Each scan is
stored as it is read, the way a single request's scan is, inside a savepoint: a problem in
either file rolls the savepoint back and the stored files go with it.
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
from portal.requests.scan_archive import (
    ArchiveRefused,
    ScanArchive,
    ScanError,
    ScanLimits,
    list_scans,
    open_archive,
    read_scans,
)
from portal.requests.service import (
    ExporterIdentity,
    StoredScan,
    pending_duplicates,
    request_values,
    scan_values,
    store_scan,
)
from portal.requests.vetting import Addressee, CheckedVehicle, VehicleRejected, vet_vehicle
from portal.storage import FileStorage
from portal.vehicles.vin import normalise_vin


class BatchRejected(ValidationError):
    """A batch with bad rows or scans; nothing was written or stored. `errors` lists each
    problem in the CSV file, `scan_errors` each in the ZIP file of scans."""

    def __init__(self, errors: list[RowError], scan_errors: list[ScanError] | None = None) -> None:
        self.errors = errors
        self.scan_errors = scan_errors or []
        count = len(errors) + len(self.scan_errors)
        if self.scan_errors:
            message = _("%(n)d problem(s) in the files; nothing was imported.", n=count)
        else:
            message = _("%(n)d problem(s) in the file; nothing was imported.", n=count)
        super().__init__(message)


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


def _store_scans(
    session: Session,
    store: FileStorage,
    scans: ScanArchive,
    rows: list[CsvRow],
    *,
    keep: bool,
    limits: ScanLimits,
) -> tuple[dict[str, StoredScan], list[ScanError]]:
    """Return the scans stored, by VIN, and every problem in the ZIP file.

    Once a problem is known (or when `keep` is False) scans are still checked, to list every
    problem, but no longer stored.
    """
    vins = {normalise_vin(row.values.get("vin", "")) for row in rows}
    stored: dict[str, StoredScan] = {}
    errors: list[ScanError] = []
    try:
        with open_archive(scans.stream, limits) as archive:
            entries, errors = list_scans(archive, vins, limits)
            for entry, result in read_scans(archive, entries, limits):
                if isinstance(result, ScanError):
                    errors.append(result)
                elif keep and not errors:
                    stored[entry.vin] = store_scan(session, store, result)
    except ArchiveRefused as refused:
        errors.append(ScanError(clean_filename(scans.filename), refused.message))
    return stored, sorted(errors, key=lambda e: e.file)


def _accepted_scans(
    session: Session,
    rows: list[CsvRow],
    errors: list[RowError],
    scans: ScanArchive | None,
    store: FileStorage | None,
    limits: ScanLimits,
) -> dict[str, StoredScan]:
    """Return the stored scans by VIN, or raise BatchRejected with every problem found."""
    if scans is None:
        if errors:
            raise BatchRejected(sorted(errors, key=lambda e: (e.row, e.column)))
        return {}
    if store is None:
        raise ValueError("scans need a storage to be written to")
    with session.begin_nested():
        stored, scan_errors = _store_scans(
            session, store, scans, rows, keep=not errors, limits=limits
        )
        if errors or scan_errors:
            # Raised inside the savepoint, so that rolling it back removes the stored files.
            raise BatchRejected(sorted(errors, key=lambda e: (e.row, e.column)), scan_errors)
    return stored


def _write_requests(
    session: Session,
    batch: RequestBatch,
    vehicles: list[CheckedVehicle],
    addressee: Addressee,
    identity: ExporterIdentity,
    actor: User,
    scans: dict[str, StoredScan],
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
            **scan_values(scans.get(vehicle.vin)),
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
    scans: ScanArchive | None = None,
    store: FileStorage | None = None,
    limits: ScanLimits | None = None,
) -> RequestBatch:
    """Return the batch with one request per row, each with its scan when the ZIP file of
    `scans` has one, or raise BatchRejected / CsvRefused."""
    rows, errors = read_rows(data)
    passed, vet_errors = vet_rows(addressee, rows)
    errors += vet_errors
    identity = ExporterIdentity(organisation=exporter)
    errors += _still_open(session, addressee, identity, passed)
    stored = _accepted_scans(session, rows, errors, scans, store, limits or ScanLimits())
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
    _write_requests(session, batch, vehicles, addressee, identity, actor, stored)
    record(
        session,
        "request.batch_imported",
        actor=actor,
        obj=batch,
        rows=len(passed),
        scans=sum(1 for vehicle in vehicles if vehicle.vin in stored),
        manufacturer_id=addressee.manufacturer.id,
        submitted=submit,
    )
    return batch


def requests_with_scans(session: Session, batch: RequestBatch) -> int:
    """Return how many of the batch's requests have a certificate scan."""
    return (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(LetterRequest)
            .where(LetterRequest.batch_id == batch.id, LetterRequest.attachment_key.is_not(None))
        )
        or 0
    )
