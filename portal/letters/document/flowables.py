"""Building blocks of the letter layout: text styles, the page-numbering canvas, the seal mark.

These are reportlab pieces with no knowledge of the letter's content; ``pdf.py`` puts them
together.
"""

from __future__ import annotations

import io
from functools import lru_cache
from typing import Any, NamedTuple
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

__all__ = [
    "CELL_PAD",
    "NumberedCanvas",
    "SealMark",
    "SealRect",
    "Styles",
    "cell",
    "grid_style",
    "para",
    "styles_for",
]

FOOTER_Y = 8 * mm
CELL_PAD = 3.5  # points left and right of a table cell's text
_GRID = colors.HexColor("#9a9a9a")


class SealRect(NamedTuple):
    """Where the seal sits: page index (from 0) and corners in PDF points, origin bottom left."""

    page_index: int
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def box(self) -> tuple[float, float, float, float]:
        """Give back the rectangle without the page index, as pyHanko's field box wants it."""
        return (self.x1, self.y1, self.x2, self.y2)


class Styles(NamedTuple):
    """Paragraph styles of the letter, all in the embedded font."""

    name_zh: ParagraphStyle
    name_en: ParagraphStyle
    title_zh: ParagraphStyle
    title_en: ParagraphStyle
    heading: ParagraphStyle
    body_zh: ParagraphStyle
    body_en: ParagraphStyle
    text: ParagraphStyle
    cell: ParagraphStyle
    header_cell: ParagraphStyle
    small: ParagraphStyle
    tiny: ParagraphStyle


@lru_cache(maxsize=8)
def styles_for(font: str) -> Styles:
    """Give back the letter's paragraph styles set in ``font``, built once per font."""

    def style(name: str, size: float, leading: float, **kw: Any) -> ParagraphStyle:
        # CJK wrapping breaks between any two Chinese characters and at spaces in Latin text,
        # and still breaks overlong tokens (VINs, e-mail addresses) in narrow cells.
        kw.setdefault("wordWrap", "CJK")
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading, **kw)

    return Styles(
        name_zh=style("name_zh", 15, 19),
        name_en=style("name_en", 9.5, 12),
        title_zh=style("title_zh", 17, 22, spaceBefore=3 * mm),
        title_en=style("title_en", 11, 14),
        heading=style("heading", 9.5, 13, spaceBefore=2.5 * mm, spaceAfter=1.2 * mm),
        body_zh=style("body_zh", 9.5, 14, firstLineIndent=19, spaceAfter=1 * mm),
        body_en=style("body_en", 8.5, 11.5, spaceAfter=1 * mm, wordWrap=None),
        text=style("text", 8.5, 11.5),
        cell=style("cell", 7.5, 9.5),
        header_cell=style("header_cell", 7.5, 9.5, textColor=colors.white),
        small=style("small", 7.5, 9.5, alignment=TA_CENTER),
        tiny=style("tiny", 5.5, 7, alignment=TA_CENTER, textColor=colors.HexColor("#444444")),
    )


def para(text: str | None, style: ParagraphStyle) -> Paragraph:
    """Give back a Paragraph showing ``text`` literally (user data is never markup)."""
    safe = escape(text or "").replace("\n", "<br/>")
    return Paragraph(safe, style)


def cell(text: str | None, style: ParagraphStyle, width: float) -> str | Paragraph:
    """Give back ``text`` as a plain table cell when each line fits ``width``, else a Paragraph.

    Plain strings are drawn as they are, several times faster than Paragraphs, which are only
    needed to wrap long text.
    """
    text = text or ""
    room = width - 2 * CELL_PAD
    font, size = style.fontName, style.fontSize
    if all(stringWidth(line, font, size) <= room for line in text.split("\n")):
        return text
    return para(text, style)


def grid_style(style: ParagraphStyle, *commands: tuple[Any, ...]) -> TableStyle:
    """Give back a gridded table style whose plain-string cells match ``style``."""
    return TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), style.fontName, style.fontSize, style.leading),
            ("GRID", (0, 0), (-1, -1), 0.4, _GRID),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            *commands,
        ]
    )


class NumberedCanvas(Canvas):
    """A canvas that prints "n / N" in the footer of every page.

    N is known only at the end, so finished pages are kept and their footers drawn on save:
    one layout pass instead of two.
    """

    def __init__(self, *args: Any, footer_left: str = "", footer_font: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        self.page_count = 0
        self._footer_left = footer_left
        self._footer_font = footer_font

    def showPage(self) -> None:
        """Give back nothing; keep the finished page for numbering at save time."""
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        """Give back nothing; write every kept page with its footer, then the file."""
        pages = self._pages
        for state in pages:
            self.__dict__.update(state)
            self._draw_footer(len(pages))
            Canvas.showPage(self)
        # Set last: restoring the page states above brings back the initial value.
        self.page_count = len(pages)
        Canvas.save(self)

    def _draw_footer(self, total: int) -> None:
        """Give back nothing; draw the footer line of the current page."""
        width = self._pagesize[0]
        self.saveState()
        self.setFont(self._footer_font, 7.5)
        self.setFillColor(colors.HexColor("#555555"))
        self.drawString(18 * mm, FOOTER_Y, self._footer_left)
        self.drawRightString(width - 18 * mm, FOOTER_Y, f"{self._pageNumber} / {total}")
        self.restoreState()


class SealMark(Flowable):
    """Draws a one-row table and records where the seal goes over its last column.

    The position is only known when the table is drawn on its final page; ``rect`` holds it
    afterwards. With ``seal_png`` the seal is also painted (an unsigned preview); without, the
    place is left for the signature, whose appearance is the seal.
    """

    def __init__(self, table: Table, diameter: float, seal_png: bytes | None = None):
        super().__init__()
        self.table = table
        self.diameter = diameter
        self.seal_png = seal_png
        self.rect: SealRect | None = None

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        """Give back the size of the wrapped table."""
        self.width, self.height = self.table.wrap(avail_width, avail_height)
        return self.width, self.height

    def draw(self) -> None:
        """Give back nothing; draw the table, note the seal place, paint the seal if asked."""
        self.table.drawOn(self.canv, 0, 0)
        last_col = self.table._colWidths[-1]
        cx = self.width - last_col / 2
        cy = self.height / 2
        half = self.diameter / 2
        x1, y1 = self.canv.absolutePosition(cx - half, cy - half)
        x2, y2 = self.canv.absolutePosition(cx + half, cy + half)
        self.rect = SealRect(self.canv.getPageNumber() - 1, x1, y1, x2, y2)
        if self.seal_png:
            reader = ImageReader(io.BytesIO(self.seal_png))
            self.canv.drawImage(
                reader, cx - half, cy - half, self.diameter, self.diameter, mask="auto"
            )
