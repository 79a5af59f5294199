"""An exporter's batch as one ZIP: the PDF of every letter valid today, and a manifest of
every request in the batch with where its letter stands (revoked, superseded, expired, or
none yet). The manifest's text cells are neutralised so no spreadsheet runs them."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from portal.letters.lifecycle.models import Letter, LetterStatus
from portal.requests.models import LetterRequest
from portal.spreadsheet_cells import csv_bytes
from portal.streamed_zip import ZipSink

MANIFEST_COLUMNS = (
    "request_id",
    "vin",
    "country",
    "request_status",
    "letter_number",
    "letter_status",
    "valid_until",
    "file",
    "pdf_sha256",
    "note",
)


@dataclass(frozen=True)
class BatchRow:
    request: LetterRequest
    letter: Letter | None


def batch_rows(session: Session, exporter_id: int, batch_id: int) -> list[BatchRow]:
    """Returns the exporter's requests of the batch with their letters, in batch order;
    empty if the batch is not the exporter's."""
    requests = session.scalars(
        sa.select(LetterRequest)
        .where(LetterRequest.batch_id == batch_id, LetterRequest.exporter_id == exporter_id)
        .order_by(LetterRequest.id)
    ).all()
    letters = {
        letter.request_id: letter
        for letter in session.scalars(
            sa.select(Letter)
            .where(
                Letter.request_id.in_([r.id for r in requests]), Letter.exporter_id == exporter_id
            )
            .options(selectinload(Letter.superseded_by))
        )
    }
    return [BatchRow(r, letters.get(r.id)) for r in requests]


def letter_standing(letter: Letter, today: date) -> str:
    if letter.status is LetterStatus.REVOKED:
        return "revoked"
    if letter.status is LetterStatus.SUPERSEDED:
        return "superseded"
    return "expired" if letter.is_expired_on(today) else "valid"


def _note(row: BatchRow, standing: str) -> str:
    letter = row.letter
    if letter is None:
        return row.request.rejection_reason
    if standing == "revoked":
        return letter.revocation_reason
    if standing == "superseded" and letter.superseded_by is not None:
        return f"replaced by {letter.superseded_by.number}"
    return ""


def manifest_csv(rows: list[BatchRow], today: date) -> bytes:
    """Returns the manifest: UTF-8 with BOM (Excel reads it), CRLF, formulas neutralised."""
    return csv_bytes(MANIFEST_COLUMNS, (_manifest_cells(row, today) for row in rows))


def _manifest_cells(row: BatchRow, today: date) -> list[str]:
    letter = row.letter
    standing = letter_standing(letter, today) if letter else ""
    included = standing == "valid"
    return [
        str(row.request.id),
        row.request.vin,
        row.request.country,
        row.request.status.value,
        letter.number if letter else "",
        standing,
        letter.valid_until.isoformat() if letter else "",
        f"{letter.number}.pdf" if letter and included else "",
        letter.pdf_sha256 if letter and included else "",
        _note(row, standing),
    ]


def batch_zip(rows: list[BatchRow], store, today: date) -> Iterator[bytes]:
    """Yields the ZIP, one letter at a time (memory stays flat for 5,000 letters)."""
    sink = ZipSink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        for row in rows:
            letter = row.letter
            if letter is not None and letter_standing(letter, today) == "valid":
                archive.writestr(f"{letter.number}.pdf", store.get(letter.pdf_key))
                yield sink.take()
        archive.writestr("manifest.csv", manifest_csv(rows, today))
    yield sink.take()
