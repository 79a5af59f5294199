"""Outlet names in every script family an outlet directory may hold: each character drawn by
a real glyph of an embedded face, the text read back from the PDF as it was written (Arabic
in logical order), and Arabic and Persian drawn in the joined forms a shaping engine gives."""

from __future__ import annotations

import dataclasses
import io
import unicodedata
from collections.abc import Callable

import pdfplumber
import pypdfium2
import pytest
from PIL import ImageFont, features
from reportlab.pdfbase import pdfmetrics

from portal.letters.document.content import LetterDocument, Outlet
from portal.letters.document.fonts import TYPEFACES, register_fonts
from portal.letters.document.pdf import render_letter_pdf
from tests.letters.pdfcheck import unembedded_fonts

# script family -> (outlet name, address), as the outlets of that country write them
NAMES = {
    "Arabic": ("مركز خدمة بي واي دي دبي", "شارع الشيخ زايد دبي"),
    "Persian": ("مرکز خدمات پس از فروش تهران", "خیابان ولیعصر تهران"),
    "Hebrew": ("מרכז שירות תל אביב", "רחוב הרצל 10"),
    "Cyrillic": ("Сервисный центр Москва", "ул. Тверская, д. 12"),
    "Latin with diacritics": ("Trung tâm dịch vụ Hà Nội", "Łódź, ulica Żółkiewskiego 3"),
    "Georgian": ("სერვის ცენტრი თბილისი", "რუსთაველის გამზირი 12"),
    "Armenian": ("սպասարկման կենտրոն Երևան", "Մաշտոցի պողոտա 5"),
    "Thai": ("ศูนย์บริการกรุงเทพ", "ถนนสุขุมวิท"),
    "Lao": ("ສູນບໍລິການວຽງຈັນ", "ຖະໜົນລ້ານຊ້າງ"),
    "Khmer": ("មជ្ឈមណ្ឌលសេវាកម្មភ្នំពេញ", "មហាវិថីព្រះនរោត្តម"),
    "Burmese": ("ဝန်ဆောင်မှုစင်တာရန်ကုန်", "ပြည်လမ်း"),
    "Mongolian": ("ᠦᠢᠯᠡᠴᠢᠯᠡᠭᠡ ᠲᠥᠪ", "ᠤᠯᠠᠭᠠᠨᠪᠠᠭᠠᠲᠤᠷ"),
    "Devanagari": ("सेवा केंद्र नई दिल्ली", "कनॉट प्लेस"),
    "Chinese": ("比亚迪服务中心", "珺琦路8号"),
}


def _letter(letter: LetterDocument, name: str, address: str) -> LetterDocument:
    outlet = Outlet("X-1", name, "Service Centre", "City", address, "1000", "", "维修 / Repair")
    return dataclasses.replace(letter, outlets=(outlet,))


@pytest.fixture(scope="module")
def pdfs(make_letter: Callable[..., LetterDocument]) -> dict[str, bytes]:
    base = make_letter()
    return {script: render_letter_pdf(_letter(base, *texts)).pdf for script, texts in NAMES.items()}


def _glyphs_by_face() -> dict[str, set[int]]:
    """Give back, per PostScript name of each letter face, the characters it has glyphs for."""
    fonts = register_fonts()
    names = (fonts.regular, fonts.bold, fonts.song, fonts.song_bold, *fonts.scripts)
    faces = (pdfmetrics.getFont(name).face for name in names)
    return {face.name.decode(): set(face.charToGlyph) for face in faces}


@pytest.mark.parametrize("script", sorted(NAMES))
def test_every_character_is_a_real_glyph_of_an_embedded_face(pdfs, script):
    glyphs = _glyphs_by_face()
    page = pdfplumber.open(io.BytesIO(pdfs[script])).pages[0]
    drawn = [c for c in page.chars if c["text"].strip()]
    assert drawn
    for char in drawn:
        face = char["fontname"].split("+", 1)[1]
        assert ord(char["text"]) in glyphs[face], (char["text"], face)
    assert unembedded_fonts(pdfs[script]) == []


@pytest.mark.parametrize("script", sorted(NAMES))
def test_the_names_read_back_as_written(pdfs, script):
    document = pypdfium2.PdfDocument(pdfs[script])
    text = document[0].get_textpage().get_text_range()
    lines = {unicodedata.normalize("NFKC", line).strip() for line in text.splitlines()}
    for written in NAMES[script]:
        assert unicodedata.normalize("NFKC", written) in lines, (written, sorted(lines)[-12:])


def _drawn_width(pdf: bytes, face: str) -> float:
    page = pdfplumber.open(io.BytesIO(pdf)).pages[0]
    chars = [c for c in page.chars if face in c["fontname"]]
    top = min(c["top"] for c in chars)  # the first line of the outlet's row
    line = sorted((c for c in chars if abs(c["top"] - top) < 1), key=lambda c: c["x0"])
    # The name is the leftmost cell; the address cell beside it starts after a wide gap.
    name = [line[0]]
    for char in line[1:]:
        if char["x0"] - name[-1]["x1"] > 10:
            break
        name.append(char)
    return name[-1]["x1"] - name[0]["x0"]


@pytest.mark.skipif(not features.check("raqm"), reason="Pillow is built without libraqm")
@pytest.mark.parametrize("script", ["Arabic", "Persian"])
def test_arabic_letters_are_drawn_joined_as_a_shaping_engine_draws_them(pdfs, script):
    name = NAMES[script][0]
    path = str(TYPEFACES / "NotoNaskhArabic-Regular.ttf")
    size = 7.5  # the table cells' size, in points
    scale = 100

    def width(engine: ImageFont.Layout) -> float:
        font = ImageFont.truetype(path, round(size * scale), layout_engine=engine)
        return font.getlength(name) / scale

    shaped, unshaped = width(ImageFont.Layout.RAQM), width(ImageFont.Layout.BASIC)
    drawn = _drawn_width(pdfs[script], "NotoNaskhArabic")
    assert abs(drawn - shaped) / shaped < 0.03, (drawn, shaped, unshaped)
    assert abs(drawn - unshaped) / unshaped > 0.06, (drawn, shaped, unshaped)
    # Drawn left to right, the name's last letter comes first: it is set right to left.
    page = pdfplumber.open(io.BytesIO(pdfs[script])).pages[0]
    first_drawn = min(
        (c for c in page.chars if "Naskh" in c["fontname"]), key=lambda c: (c["top"], c["x0"])
    )
    assert unicodedata.normalize("NFKC", first_drawn["text"]) == name[-1]
