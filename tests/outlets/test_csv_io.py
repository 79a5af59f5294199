"""Reading and writing the outlet CSV, without the database."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.outlets.csv_io import (
    MAX_IMPORT_BYTES,
    PLAIN_NUMBER,
    CsvFileError,
    neutralise,
    read_rows,
    restore,
    write_csv,
)
from portal.outlets.values import COLUMNS

HEADER = ",".join(COLUMNS)


@pytest.mark.parametrize(
    ("stored", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+49301234567", "'+49301234567"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-13.405", "-13.405"),  # a negative number stays a number
        ("'=x", "''=x"),  # a real leading apostrophe survives the round trip
        ("'quoted'", "'quoted'"),
        ("Autohaus", "Autohaus"),
        ("", ""),
    ],
)
def test_formula_cells_are_neutralised(stored, written):
    assert neutralise(stored) == written
    assert restore(written) == stored


@given(st.text(max_size=20))
def test_restore_undoes_neutralise_for_any_text(text):
    assert restore(neutralise(text)) == text
    written = neutralise(text)
    assert not written.startswith(("=", "+", "@", "\t", "\r"))
    assert not written.startswith("-") or PLAIN_NUMBER.match(written)


def test_written_file_has_a_bom_the_header_and_neutralised_cells():
    data = write_csv([{"outlet_code": "A", "name_local": "=1+1", "phone": "+4930"}])
    assert data.startswith(codecs.BOM_UTF8)
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == HEADER
    assert ",'=1+1," in text and ",'+4930," in text
    rows, problems = read_rows(data)
    assert problems == [] and rows[0].cells["name_local"] == "=1+1"
    assert rows[0].number == 2


def _refusal(data: bytes) -> CsvFileError:
    with pytest.raises(CsvFileError) as caught:
        read_rows(data)
    return caught.value


@pytest.mark.parametrize(
    "data",
    [
        (HEADER + "\r\nA,DE,München\r\n").encode("latin-1"),
        (HEADER + "\r\nA,DE,München\r\n").encode("utf-16"),
    ],
)
def test_other_encodings_are_refused(data):
    assert _refusal(data).message == (
        "The file is neither UTF-8 nor GB18030 text (save it as 'CSV UTF-8' in Excel)."
    )


@pytest.mark.parametrize("separator", [",", ";", "\t"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_excel_encodings_and_separators_are_read(encoding, separator):
    cells = ["A-1", "KZ", "阿拉木图服务中心", "Алматы; центр", *("x" for _ in COLUMNS[4:])]
    quoted = [f'"{cell}"' if separator in cell else cell for cell in cells]
    text = separator.join(COLUMNS) + "\r\n" + separator.join(quoted) + "\r\n"
    rows, problems = read_rows(text.encode(encoding))
    assert not problems
    assert [rows[0].cells[name] for name in COLUMNS[:4]] == cells[:4]


def test_a_bom_is_optional():
    line = "A," + ",".join("x" for _ in COLUMNS[1:])
    for data in (
        (HEADER + "\n" + line).encode(),
        codecs.BOM_UTF8 + (HEADER + "\n" + line).encode(),
    ):
        rows, problems = read_rows(data)
        assert len(rows) == 1 and not problems


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n\r\n  "])
def test_an_empty_file_is_refused(data):
    assert _refusal(data).message == "The file is empty."


def test_a_header_without_rows_is_refused():
    assert "no outlet rows" in _refusal((HEADER + "\r\n,,,\r\n").encode()).message


def test_missing_extra_and_repeated_columns_are_named():
    header = HEADER.replace("postcode,", "").replace("phone", "phone,notes") + ",city"
    problems = _refusal((header + "\n").encode()).problems
    assert {(p.row, p.column, p.message) for p in problems} == {
        (1, "postcode", "This column is missing."),
        (1, "notes", "Unknown column; the columns are listed in the template."),
        (1, "city", "This column appears twice."),
    }


def test_columns_may_come_in_any_order_and_case():
    header = ",".join(reversed([c.upper() for c in COLUMNS]))
    rows, _ = read_rows((header + "\n" + ",".join(str(i) for i in range(17))).encode())
    assert rows[0].cells["outlet_code"] == "16"


def test_rows_with_the_wrong_number_of_cells():
    data = (HEADER + "\n" + "a,b,c\n" + ",".join("x" * 18)).encode()
    rows, problems = read_rows(data)
    assert rows == []
    assert [(p.row, p.message) for p in problems] == [
        (2, "This row has 3 cells; the header has 17 columns."),
        (3, "This row has 18 cells; the header has 17 columns."),
    ]


def test_quoted_cells_with_newlines_count_as_one_row():
    line = '"A\nB",' + ",".join("x" for _ in COLUMNS[1:])
    rows, _ = read_rows((HEADER + "\n" + line + "\n" + line).encode())
    assert [row.number for row in rows] == [2, 3]


def test_too_large_is_refused_before_decoding():
    assert "larger than 5 MB" in _refusal(b"a" * (MAX_IMPORT_BYTES + 1)).message
