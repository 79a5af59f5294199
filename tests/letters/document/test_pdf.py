"""The rendered letter: its text, fonts, QR code, pages and seal place."""

from __future__ import annotations

import importlib.resources
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import zxingcpp
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics

from portal.letters.document.content import LetterDocument
from portal.letters.document.fonts import FontError, register_fonts
from portal.letters.document.pdf import SEAL_DIAMETER, RenderedLetter, render_letter_pdf
from tests.letters.pdfcheck import page_texts, red_share, render_page, unembedded_fonts
from tests.letters.samples import (
    CYRILLIC_OUTLET,
    LETTER_NUMBER,
    MARKUP_TEXT,
    VERIFY_URL,
    VIN,
)


def test_letter_is_one_a4_page(rendered: RenderedLetter) -> None:
    reader = PdfReader(io.BytesIO(rendered.pdf))
    assert len(reader.pages) == 1 == rendered.page_count
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_text_is_extractable(rendered: RenderedLetter) -> None:
    text = page_texts(rendered.pdf)[0]
    for expected in (
        VIN,
        "售后服务确认函",
        "After-Sales Service Confirmation",
        LETTER_NUMBER,
        CYRILLIC_OUTLET,
        MARKUP_TEXT,
        "比亚迪汽车工业有限公司",
        "ABCD-EF23",
        "俄罗斯",
        "2026-07-15",
        "主管商务部门",
    ):
        assert expected in text, expected


def test_user_markup_is_shown_literally_not_interpreted(rendered: RenderedLetter) -> None:
    text = page_texts(rendered.pdf)[0]
    assert f"深圳前海{MARKUP_TEXT}二手车出口有限公司" in text
    assert f"Shenzhen Qianhai {MARKUP_TEXT} Used Car Export" in text


def test_every_font_is_embedded(rendered: RenderedLetter) -> None:
    assert unembedded_fonts(rendered.pdf) == []


def test_qr_code_decodes_to_the_verification_url(rendered: RenderedLetter) -> None:
    page = render_page(rendered.pdf, 0, dpi=200)
    codes = [c for c in zxingcpp.read_barcodes(page) if c.format == zxingcpp.BarcodeFormat.QRCode]
    assert [c.text for c in codes] == [VERIFY_URL]


def test_qr_symbol_is_35_mm_wide(rendered: RenderedLetter) -> None:
    dpi = 200
    page = render_page(rendered.pdf, 0, dpi=dpi)
    (code,) = zxingcpp.read_barcodes(page, formats=zxingcpp.BarcodeFormat.QRCode)
    xs = [p.x for p in (code.position.top_left, code.position.top_right)]
    width_mm = (max(xs) - min(xs) + 1) / dpi * 25.4
    assert width_mm >= 34.5  # the symbol itself, quiet zone not counted; one pixel of slack


def test_seal_place_is_in_the_signature_block_and_left_empty(rendered: RenderedLetter) -> None:
    rect = rendered.seal_rect
    assert rect.page_index == 0
    assert abs((rect.x2 - rect.x1) - SEAL_DIAMETER) < 0.01
    assert abs((rect.y2 - rect.y1) - SEAL_DIAMETER) < 0.01
    assert 0 < rect.x1 < rect.x2 < 595 and 0 < rect.y1 < rect.y2 < 842
    page = render_page(rendered.pdf, 0)
    assert red_share(page, rect.box, 150) < 0.001


def test_preview_paints_the_seal_at_its_place(letter: LetterDocument) -> None:
    preview = render_letter_pdf(letter, draw_seal=True)
    page = render_page(preview.pdf, preview.seal_rect.page_index)
    assert red_share(page, preview.seal_rect.box, 150) > 0.05


def test_uploaded_seal_is_used_as_given(make_letter: Callable[..., LetterDocument]) -> None:
    from portal.letters.document.seal_image import generated_seal_png

    seal = generated_seal_png("测试汽车有限公司", line=None)
    assert render_letter_pdf(make_letter(seal_png=seal)).seal_png == seal


def test_long_outlet_lists_flow_over_numbered_pages(
    make_letter: Callable[..., LetterDocument],
) -> None:
    rendered = render_letter_pdf(make_letter(outlets=80))
    texts = page_texts(rendered.pdf)
    total = len(texts)
    assert total >= 3
    assert rendered.page_count == total
    assert rendered.seal_rect.page_index == total - 1
    for number, text in enumerate(texts, start=1):
        assert re.search(rf"\b{number} / {total}\b", text), f"page {number} lacks its number"
        if re.search(r"RU-(MOW|SPB|KZN|REG)-\d{3}", text):
            assert "Service outlet" in text and "服务网点" in text, f"page {number} header"
    everything = "\n".join(texts)
    assert all(f"RU-REG-{n:03d}" in everything for n in range(4, 81))
    assert unembedded_fonts(rendered.pdf) == []


def test_configured_font_path_is_used(letter: LetterDocument) -> None:
    # reportlab's own Latin TrueType font stands in for a configured one.
    vera = Path(str(importlib.resources.files("reportlab") / "fonts" / "Vera.ttf"))
    names = register_fonts(vera)
    assert names.regular != register_fonts().regular
    assert pdfmetrics.getFont(names.regular).face.filename == str(vera.resolve())
    rendered = render_letter_pdf(letter, font_path=vera)
    reader = PdfReader(io.BytesIO(rendered.pdf))
    fonts = [f.get_object() for f in reader.pages[0]["/Resources"]["/Font"].values()]
    assert fonts and all("Vera" in str(f["/BaseFont"]) for f in fonts)
    assert VIN in page_texts(rendered.pdf)[0]
    assert unembedded_fonts(rendered.pdf) == []


def test_a_font_path_that_is_no_font_is_refused(letter: LetterDocument, tmp_path) -> None:
    fake = tmp_path / "font.ttf"
    fake.write_text("not a font")
    with pytest.raises(FontError, match="not a TrueType font"):
        render_letter_pdf(letter, font_path=fake)
