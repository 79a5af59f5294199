"""CSV cells a spreadsheet cannot run: every CSV file the Portal writes goes through here.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel and
LibreOffice as a formula (CSV injection, OWASP). Such cells are written with a leading
apostrophe, which spreadsheets hide and the Portal's own imports remove again.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Sequence

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A negative number is read as a number, never run: it keeps its minus sign (coordinates).
PLAIN_NUMBER = re.compile(r"^-\d+(\.\d+)?$")


def neutralise(text: str) -> str:
    """Returns the cell as written: a leading apostrophe stops spreadsheets running it."""
    if text.startswith(FORMULA_TRIGGERS) and not PLAIN_NUMBER.match(text):
        return "'" + text
    if text.startswith("'") and restore(text) != text:
        return "'" + text  # keeps a real leading apostrophe through the round trip
    return text


def restore(text: str) -> str:
    """Returns the cell as meant: undoes `neutralise`."""
    if len(text) > 1 and text[0] == "'" and text[1] in "='+-@\t\r":
        return text[1:]
    return text


def csv_bytes(
    header: Sequence[str], rows: Iterable[Sequence[object]], *, bom: bool = True
) -> bytes:
    """Returns a CSV file (UTF-8, CRLF, with a BOM for Excel unless told otherwise) whose every
    cell, header included, is neutralised."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(str(name)) for name in header])
    for row in rows:
        writer.writerow([neutralise("" if cell is None else str(cell)) for cell in row])
    data = buffer.getvalue().encode("utf-8")
    return codecs.BOM_UTF8 + data if bom else data
