"""Finding and registering the letter font."""

from __future__ import annotations

from pathlib import Path

import pytest
from reportlab.pdfbase import pdfmetrics

from portal.letters.document.fonts import FontError, default_font_path, register_fonts


def test_packaged_font_is_a_truetype_collection() -> None:
    path = default_font_path()
    assert path.is_file()
    assert path.read_bytes()[:4] == b"ttcf"


def test_registration_happens_once_and_covers_the_three_scripts() -> None:
    first = register_fonts()
    assert register_fonts() is first
    assert register_fonts(default_font_path()) is first
    font = pdfmetrics.getFont(first.regular)
    for char in "售后服务确认函AЖ":
        assert ord(char) in font.face.charToGlyph, char


def test_missing_font_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.ttf"
    with pytest.raises(FontError, match="not found") as caught:
        register_fonts(missing)
    assert str(missing) in str(caught.value)


@pytest.mark.parametrize("head", [b"OTTO", b"wOFF", b"%PDF", b"hello world"])
def test_non_truetype_files_are_refused(tmp_path: Path, head: bytes) -> None:
    path = tmp_path / "font.otf"
    path.write_bytes(head + b"\0" * 200)
    with pytest.raises(FontError, match="not a TrueType font"):
        register_fonts(path)


def test_corrupt_truetype_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.ttf"
    path.write_bytes(b"\x00\x01\x00\x00" + b"\xff" * 64)
    with pytest.raises(FontError, match="cannot use"):
        register_fonts(path)
