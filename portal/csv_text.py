"""Reading a spreadsheet's CSV file as text: which encoding and which separator it uses.

Excel writes UTF-8 with a byte order mark ("CSV UTF-8"), the Chinese Excel and WPS write
GB18030 ("CSV"), and Excel with Russian, Kazakh or German settings separates the cells with
semicolons; some tools write tabs. Both imports (outlets, requests) read their uploads here
and tell the user what was found. Pure: no Flask."""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass

SEPARATORS = (",", ";", "\t")


class UnreadableText(ValueError):
    """The bytes are neither UTF-8 nor GB18030 text."""


@dataclass(frozen=True)
class CsvText:
    """A CSV upload decoded: its text, the encoding read and the separator found."""

    text: str
    encoding: str  # "UTF-8 with BOM", "UTF-8" or "GB18030"
    separator: str  # one of SEPARATORS

    def reader(self) -> csv.Reader:
        """Returns a csv reader over the text with the separator found."""
        return csv.reader(io.StringIO(self.text, newline=""), delimiter=self.separator)


def decode_text(data: bytes) -> tuple[str, str]:
    """Returns the text and the name of the encoding it was read in."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "UTF-8 with BOM"
        except UnicodeDecodeError:
            raise UnreadableText from None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise UnreadableText from None
    if not all(char.isascii() or _in_gb2312_area(char) for char in text):
        # Almost any byte string decodes as GB18030: a Latin-1 "München" gives a rare
        # ideograph. Text written by Chinese Excel stays in the GB2312 area (both bytes from
        # 0xA1); anything else is refused rather than read as nonsense.
        raise UnreadableText
    return text, "GB18030"


def _in_gb2312_area(char: str) -> bool:
    encoded = char.encode("gb18030")
    return len(encoded) == 2 and encoded[0] >= 0xA1 and encoded[1] >= 0xA1


def header_separator(text: str) -> str:
    """Returns the separator of the first non-blank line: the candidate seen most often
    outside quotes (a comma when none is seen)."""
    line = next((line for line in text.splitlines() if line.strip()), "")
    counts = dict.fromkeys(SEPARATORS, 0)
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(SEPARATORS, key=lambda separator: counts[separator])
    return best if counts[best] else ","


def read_csv_text(data: bytes) -> CsvText:
    """Returns the upload decoded, with its separator; raises UnreadableText."""
    text, encoding = decode_text(data)
    return CsvText(text=text, encoding=encoding, separator=header_separator(text))
