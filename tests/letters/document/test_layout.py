"""The letter as a formal page, checked from where its text, rules and seal sit (pdfplumber):
one page up to six outlets, the header repeated on longer lists, the seal over the issuer's
name and clear of the date on the date's page, no text across a table rule or the margins,
and a QR code that survives a photocopy."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pdfplumber
import pytest
import zxingcpp
from PIL import ImageFilter

from portal.letters.document.content import LetterDocument
from portal.letters.document.pdf import RenderedLetter, render_letter_pdf
from portal.letters.document.tables import MARGIN_X
from tests.letters.pdfcheck import render_page
from tests.letters.samples import VERIFY_URL

ISSUER_ZH = "比亚迪汽车工业有限公司"
DATE_LINE = "2026年1月15日 / 15 January 2026"


@pytest.fixture(scope="module")
def letters(make_letter: Callable[..., LetterDocument]) -> dict[int, RenderedLetter]:
    return {n: render_letter_pdf(make_letter(outlets=n)) for n in (3, 6, 20)}


def _pages(rendered: RenderedLetter) -> list[pdfplumber.page.Page]:
    return list(pdfplumber.open(io.BytesIO(rendered.pdf)).pages)


@pytest.mark.parametrize(("outlets", "pages"), [(3, 1), (6, 1)])
def test_up_to_six_outlets_fit_on_one_page(letters, outlets, pages):
    assert letters[outlets].page_count == pages == len(_pages(letters[outlets]))


def test_twenty_outlets_continue_with_the_header_repeated(letters):
    pages = _pages(letters[20])
    assert len(pages) >= 2
    texts = [page.extract_text() for page in pages]
    listed = [n for n, text in enumerate(texts) if re.search(r"RU-(MOW|SPB|KZN|REG)-\d{3}", text)]
    assert len(listed) >= 2
    for n in listed:
        assert "服务网点名称" in texts[n] and "Service outlet" in texts[n], f"page {n + 1}"
    everything = "\n".join(texts)
    assert all(f"RU-REG-{n:03d}" in everything for n in range(4, 21))


def _seal_box(rendered: RenderedLetter, page) -> tuple[float, float, float, float]:
    """Give back the seal place as pdfplumber's (x0, top, x1, bottom)."""
    r = rendered.seal_rect
    return (r.x1, page.height - r.y2, r.x2, page.height - r.y1)


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _box(match: dict) -> tuple[float, float, float, float]:
    return (match["x0"], match["top"], match["x1"], match["bottom"])


@pytest.mark.parametrize("outlets", [3, 6, 20])
def test_the_seal_covers_the_issuers_name_not_the_date_on_the_dates_page(letters, outlets):
    rendered = letters[outlets]
    pages = _pages(rendered)
    (dated,) = [n for n, page in enumerate(pages) if page.search(DATE_LINE)]
    assert rendered.seal_rect.page_index == dated == len(pages) - 1
    page = pages[dated]
    seal = _seal_box(rendered, page)
    # The issuer's name signing the letter is its last occurrence on the page.
    issuer = max(page.search(ISSUER_ZH), key=lambda m: m["top"])
    assert _overlaps(seal, _box(issuer))
    date_chars = [c for m in page.search(DATE_LINE) for c in m["chars"]]
    assert date_chars and not any(_overlaps(seal, _box(c)) for c in date_chars)
    assert 0 < seal[0] < seal[2] < page.width and 0 < seal[1] < seal[3] < page.height


def _rules(page) -> list[tuple[float, float, float, float]]:
    """Give back every drawn rule as a thin box (x0, top, x1, bottom)."""
    edges = [*page.lines, *page.rect_edges]
    return [(e["x0"], e["top"], e["x1"], e["bottom"]) for e in edges]


def _glyph_box(char: dict) -> tuple[float, float, float, float]:
    """Give back the em box of a character: from its baseline up by 0.8 em, down by 0.2 em."""
    baseline = char["bottom"] - (char["bottom"] - char["top"]) * 0.2
    size = char["size"]
    return (char["x0"] + 0.05, baseline - 0.8 * size, char["x1"] - 0.05, baseline + 0.2 * size)


def _crosses(box, rule) -> bool:
    x0, top, x1, bottom = rule
    if x1 - x0 < 0.01 or bottom - top < 0.01:  # a vertical or horizontal rule
        return box[0] < x1 and x0 < box[2] and box[1] < bottom and top < box[3]
    return False


@pytest.mark.parametrize("outlets", [3, 20])
def test_no_text_crosses_a_table_rule_or_the_margins(letters, outlets):
    for number, page in enumerate(_pages(letters[outlets]), start=1):
        rules = _rules(page)
        assert rules, "the page has no table rules"
        for char in page.chars:
            if not char["text"].strip():
                continue
            box = _glyph_box(char)
            crossing = [r for r in rules if _crosses(box, r)]
            assert not crossing, f"page {number}: {char['text']!r} at {box} crosses {crossing}"
            assert char["x0"] >= MARGIN_X - 0.5 and char["x1"] <= page.width - MARGIN_X + 0.5
            assert char["top"] >= 10 * 72 / 25.4 and char["bottom"] <= page.height - 18


def test_the_qr_code_reads_from_a_blurred_100_dpi_copy(letters):
    page = render_page(letters[3].pdf, 0, dpi=100).filter(ImageFilter.GaussianBlur(1))
    codes = zxingcpp.read_barcodes(page, formats=zxingcpp.BarcodeFormat.QRCode)
    assert [c.text for c in codes] == [VERIFY_URL]


def test_the_long_token_is_never_printed_as_text_only_a_line_to_type(letters):
    text = _pages(letters[3])[0].extract_text()
    token = VERIFY_URL.rsplit("/", 1)[1]
    assert token not in text.replace("\n", "").replace(" ", "")
    line = re.search(r"portal\.example\.cn/verify\s+BYD-2026-000123\s+ABCD-EF23", text)
    assert line, "the address, number and code are not on one line"
