"""The outlet CSV: reading an upload into rows, writing the export and the template.

The format is documented in docs/outlets-csv.md: UTF-8 (a BOM is allowed and written, so Excel
shows Chinese correctly) or GB18030, commas (semicolons and tabs are read too),
one header row naming the columns in `COLUMNS`. Cells that a
spreadsheet would run as a formula are written with a leading apostrophe, which reading removes
again, so that export -> import changes nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask_babel import gettext as _

from portal.csv_text import CsvText, UnreadableText, read_csv_text
from portal.errors import ValidationError
from portal.outlets.values import COLUMNS
from portal.spreadsheet_cells import PLAIN_NUMBER, csv_bytes, neutralise, restore

__all__ = ["PLAIN_NUMBER", "neutralise", "restore"]

MAX_IMPORT_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class CsvProblem:
    """A reason a row cannot be imported; row 1 is the header, as a spreadsheet counts."""

    row: int
    column: str
    message: str


@dataclass(frozen=True)
class CsvRow:
    number: int
    cells: dict[str, str]


class CsvFileError(ValidationError):
    """The file as a whole cannot be read (size, encoding, header); nothing was imported."""

    def __init__(self, message: str, problems: list[CsvProblem] | None = None) -> None:
        super().__init__(message, field="file")
        self.problems = problems or []


def decode(data: bytes) -> CsvText:
    """Returns the upload as text with its separator (UTF-8 or GB18030; `,` `;` or tab)."""
    if len(data) > MAX_IMPORT_BYTES:
        raise CsvFileError(too_large_message())
    try:
        found = read_csv_text(data)
    except UnreadableText:
        raise CsvFileError(
            _("The file is neither UTF-8 nor GB18030 text (save it as 'CSV UTF-8' in Excel).")
        ) from None
    if not found.text.strip():
        raise CsvFileError(_("The file is empty."))
    return found


def too_large_message() -> str:
    return _(
        "The file is larger than %(mb)d MB. Split it into several files and import each.",
        mb=MAX_IMPORT_BYTES // (1024 * 1024),
    )


def _header(cells: list[str]) -> list[str]:
    names = [cell.strip().lower() for cell in cells]
    problems = [
        CsvProblem(1, name, _("This column is missing.")) for name in COLUMNS if name not in names
    ]
    problems += [
        CsvProblem(1, name, _("Unknown column; the columns are listed in the template."))
        for name in names
        if name not in COLUMNS
    ]
    problems += [
        CsvProblem(1, name, _("This column appears twice."))
        for i, name in enumerate(names)
        if name in COLUMNS and name in names[:i]
    ]
    if problems:
        raise CsvFileError(_("The header row does not have the expected columns."), problems)
    return names


def read_rows(data: bytes) -> tuple[list[CsvRow], list[CsvProblem]]:
    """Returns the data rows (blank rows skipped) and the rows whose cell count is wrong.

    Raises CsvFileError when the file cannot be read at all.
    """
    reader = decode(data).reader()
    rows: list[CsvRow] = []
    problems: list[CsvProblem] = []
    try:
        names = _header(next(reader))
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(names):
                problems.append(CsvProblem(number, "", _wrong_count(len(cells), len(names))))
                continue
            values = {name: restore(cell) for name, cell in zip(names, cells, strict=True)}
            rows.append(CsvRow(number, values))
    except csv.Error as error:
        raise CsvFileError(_("The file is not a readable CSV file: %(e)s", e=str(error))) from None
    if not rows and not problems:
        raise CsvFileError(_("The file has a header but no outlet rows."))
    return rows, problems


def _wrong_count(found: int, expected: int) -> str:
    return _(
        "This row has %(found)d cells; the header has %(expected)d columns.",
        found=found,
        expected=expected,
    )


def write_csv(rows: Iterable[Mapping[str, str]]) -> bytes:
    """Returns the CSV file (UTF-8 with BOM, CRLF) for these rows, formulas neutralised."""
    return csv_bytes(COLUMNS, ([row.get(name, "") for name in COLUMNS] for row in rows))
