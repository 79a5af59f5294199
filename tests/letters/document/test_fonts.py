"""The letter's faces: committed with their licence, registered once, and one for every
script an outlet directory may hold."""

from __future__ import annotations

from pathlib import Path

import pytest
from reportlab.pdfbase import pdfmetrics

from portal.letters.document.fonts import (
    TYPEFACES,
    FontError,
    default_font_path,
    register_fonts,
)


def test_every_face_is_truetype_and_comes_with_its_licence() -> None:
    faces = sorted(TYPEFACES.glob("*.ttf"))
    assert len(faces) == 14
    for path in faces:
        assert path.read_bytes()[:4] == b"\x00\x01\x00\x00", path.name
    assert "SIL OPEN FONT LICENSE Version 1.1" in (TYPEFACES / "OFL.txt").read_text()
    readme = (TYPEFACES / "README.md").read_text()
    assert all(path.name in readme for path in faces)


def test_registration_happens_once() -> None:
    first = register_fonts()
    assert register_fonts() is first
    assert register_fonts(default_font_path()) is first


SCRIPT_SAMPLES = {
    "Chinese": ("售后服务确认函珺", "NotoSerifSC-Regular"),
    "Latin with diacritics": ("ĐŁŠžőçãẞỹ", "NotoSerif-Regular"),
    "Cyrillic": ("Сервисный центр", "NotoSerif-Regular"),
    "Arabic": ("مركز خدمة", "NotoNaskhArabic"),
    "Persian": ("پچژگکی", "NotoNaskhArabic"),
    "Hebrew": ("מרכז שירות", "NotoSerifHebrew"),
    "Georgian": ("სერვისი", "NotoSerifGeorgian"),
    "Armenian": ("Երևան", "NotoSerifArmenian"),
    "Thai": ("ศูนย์บริการ", "NotoSerifThai"),
    "Lao": ("ສູນບໍລິການ", "NotoSerifLao"),
    "Khmer": ("ភ្នំពេញ", "NotoSerifKhmer"),
    "Burmese": ("ရန်ကုန်", "NotoSerifMyanmar"),
    "Devanagari": ("नई दिल्ली", "NotoSerifDevanagari"),
    "Mongolian": ("ᠮᠣᠩᠭᠣᠯ", "NotoSansMongolian"),
}


@pytest.mark.parametrize("script", sorted(SCRIPT_SAMPLES))
def test_each_script_is_drawn_by_its_own_face(script: str) -> None:
    fonts = register_fonts()
    text, face = SCRIPT_SAMPLES[script]
    assert fonts.undrawable(text) == []
    for run, name in fonts.runs(text.replace(" ", "")):
        assert face in name, (run, name)
        font = pdfmetrics.getFont(name)
        assert all(ord(char) in font.face.charToGlyph for char in run)


def test_characters_no_face_draws_are_named() -> None:
    assert register_fonts().undrawable("abc 😀 𓀀 ꯍ 😀\n") == ["😀", "𓀀", "ꯍ"]


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
