"""Request batches as CSV files: the columns, reading a file into rows, and the template.

The columns are documented in docs/requests-csv.md. Files are UTF-8, with or without the byte
order mark Excel writes, or GB18030 (Chinese Excel and WPS), separated by commas, semicolons
or tabs; the template carries one so that Excel opens it as UTF-8.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from portal.csv_text import CsvText, UnreadableText, read_csv_text
from portal.errors import ValidationError
from portal.requests.models import FuelType
from portal.requests.vetting import Addressee, VehicleInput
from portal.spreadsheet_cells import csv_bytes

MAX_ROWS = 5000
MAX_CSV_BYTES = 8 * 1024 * 1024

REQUIRED_COLUMNS = (
    "brand",
    "model",
    "vin",
    "registration_date",
    "transfer_registration_date",
    "country",
)
OPTIONAL_COLUMNS = (
    "application_date",
    "engine_number",
    "colour",
    "fuel_type",
    "chassis_brand",
    "modified_brand",
    "modified_model",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
DATE_COLUMNS = ("registration_date", "transfer_registration_date", "application_date")

# Spreadsheets in China often hold the fuel type in Chinese.
FUEL_WORDS = {
    **{fuel.value: fuel for fuel in FuelType},
    "汽油": FuelType.PETROL,
    "柴油": FuelType.DIESEL,
    "混合动力": FuelType.HEV,
    "油电混合": FuelType.HEV,
    "插电式混合动力": FuelType.PHEV,
    "插电混动": FuelType.PHEV,
    "纯电动": FuelType.BEV,
    "其他": FuelType.OTHER,
}
# 2025-12-01, and the 2025/12/01 or 2025.12.01 that Chinese spreadsheets write.
_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")


class CsvRefused(ValidationError):
    """A file that cannot be read as a batch at all (encoding, header, size)."""


@dataclass(frozen=True)
class RowError:
    """One problem in a CSV file: the row as a spreadsheet numbers it, the column, the reason."""

    row: int
    column: str
    message: str


@dataclass(frozen=True)
class CsvRow:
    """One data row: its spreadsheet row number and its cells by column name."""

    number: int
    values: dict[str, str]


def _column_name(header: str) -> str:
    return re.sub(r"[\s\-]+", "_", header.strip().lower())


def _decoded(data: bytes) -> CsvText:
    if len(data) > MAX_CSV_BYTES:
        raise CsvRefused(_("The file is larger than %(n)d MB.", n=MAX_CSV_BYTES // 1024 // 1024))
    try:
        return read_csv_text(data)
    except UnreadableText:
        raise CsvRefused(
            _(
                "The file is neither UTF-8 nor GB18030 text. In Excel, save it as “CSV UTF-8 "
                "(comma delimited)”; in WPS, choose UTF-8 encoding."
            )
        ) from None


def _header(names: list[str]) -> list[str]:
    columns = [_column_name(name) for name in names]
    unknown = [name for name in columns if name and name not in COLUMNS]
    if unknown:
        raise CsvRefused(_("Unknown columns: %(names)s.", names=", ".join(unknown)))
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise CsvRefused(_("Missing columns: %(names)s.", names=", ".join(missing)))
    repeated = sorted({name for name in columns if name and columns.count(name) > 1})
    if repeated:
        raise CsvRefused(_("Columns named twice: %(names)s.", names=", ".join(repeated)))
    return columns


def read_rows(data: bytes) -> tuple[list[CsvRow], list[RowError]]:
    """Return the non-empty data rows and the rows that do not fit the header.

    Raises CsvRefused when the file as a whole cannot be used.
    """
    reader = _decoded(data).reader()
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise CsvRefused(_("The file is empty: the first row must name the columns."))
        columns = _header(header)
        rows: list[CsvRow] = []
        errors: list[RowError] = []
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) + len(errors) >= MAX_ROWS:
                raise CsvRefused(_("A batch has at most %(n)d vehicles.", n=MAX_ROWS))
            if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
                errors.append(
                    RowError(number, "", _("This row has more cells than the header has columns."))
                )
                continue
            values = {name: cell.strip() for name, cell in zip(columns, cells, strict=False)}
            rows.append(CsvRow(number, values))
    except csv.Error as error:
        raise CsvRefused(_("The file is not a valid CSV file: %(e)s.", e=str(error))) from None
    if not rows and not errors:
        raise CsvRefused(_("The file has no vehicles below its header."))
    return rows, errors


def parse_date(text: str) -> date:
    """Return the date written as YYYY-MM-DD (or with / or .), or raise ValueError."""
    match = _DATE.match(text.strip())
    if not match:
        raise ValueError(text)
    year, month, day = (int(part) for part in match.groups())
    return date(year, month, day)


def vehicle_input(row: CsvRow, addressee: Addressee) -> tuple[VehicleInput, list[RowError]]:
    """Return the row as a vehicle to vet, and the cells that could not even be read."""
    values = row.values
    errors: list[RowError] = []
    brand = addressee.brand_named(values.get("brand", ""))
    if brand is None:
        errors.append(_unknown_brand(row, addressee))
    dates = {column: _date_cell(row, column, errors) for column in DATE_COLUMNS}
    fuel_text = values.get("fuel_type", "")
    fuel = FUEL_WORDS.get(fuel_text.lower()) if fuel_text else None
    if fuel_text and fuel is None:
        fuels = ", ".join(f.value for f in FuelType)
        errors.append(
            RowError(
                row.number, "fuel_type", _("The fuel type is one of: %(values)s.", values=fuels)
            )
        )
    vehicle = VehicleInput(
        brand_id=brand.id if brand else None,
        country=values.get("country", ""),
        model=values.get("model", ""),
        vin=values.get("vin", ""),
        registration_date=dates["registration_date"],
        transfer_registration_date=dates["transfer_registration_date"],
        application_date=dates["application_date"],
        engine_number=values.get("engine_number", ""),
        colour=values.get("colour", ""),
        fuel_type=fuel,
        chassis_brand=values.get("chassis_brand", ""),
        modified_brand=values.get("modified_brand", ""),
        modified_model=values.get("modified_model", ""),
    )
    return vehicle, errors


def _unknown_brand(row: CsvRow, addressee: Addressee) -> RowError:
    return RowError(
        row.number,
        "brand",
        _(
            "%(name)s is not a brand of this manufacturer (its brands: %(brands)s).",
            name=repr(row.values.get("brand", "")),
            brands=", ".join(sorted(b.name for b in addressee.brands.values())),
        ),
    )


def _date_cell(row: CsvRow, column: str, errors: list[RowError]) -> date | None:
    """Return the cell's date, None when empty; an unreadable date is added to `errors`."""
    text = row.values.get(column, "")
    if not text:
        return None
    try:
        return parse_date(text)
    except ValueError:
        errors.append(
            RowError(row.number, column, _("%(text)s is not a date (YYYY-MM-DD).", text=text))
        )
        return None


def template_csv() -> bytes:
    """Return the template: the header row, UTF-8 with a byte order mark for Excel."""
    return csv_bytes(COLUMNS, [])
