"""Building blocks of the letter layout: text styles, paragraphs set per script, the
page-numbering canvas and the signature block the seal is stamped on.

These are reportlab pieces with no knowledge of the letter's content; ``pdf.py`` puts them
together.
"""

from __future__ import annotations

import io
from functools import lru_cache
from typing import Any, NamedTuple

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from .fonts import FontNames
from .runs import markup, visual_lines

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
CELL_PAD = 3  # points left and right of a table cell's text
_GRID = colors.HexColor("#555555")
RED = colors.HexColor("#c00000")


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
    """Paragraph styles of the letter and the faces they draw with."""

    fonts: FontNames
    org_zh: ParagraphStyle
    org_en: ParagraphStyle
    title_zh: ParagraphStyle
    title_en: ParagraphStyle
    heading: ParagraphStyle
    body_zh: ParagraphStyle
    body_en: ParagraphStyle
    text: ParagraphStyle
    text_right: ParagraphStyle
    closing_zh: ParagraphStyle
    typed: ParagraphStyle
    issuer_zh: ParagraphStyle
    issuer: ParagraphStyle
    cell: ParagraphStyle
    header_cell: ParagraphStyle
    small: ParagraphStyle
    code: ParagraphStyle


@lru_cache(maxsize=8)
def styles_for(fonts: FontNames) -> Styles:
    """Give back the letter's paragraph styles, built once per set of faces."""

    def style(name: str, size: float, leading: float, **kw: Any) -> ParagraphStyle:
        kw.setdefault("fontName", fonts.regular)
        return ParagraphStyle(name, fontSize=size, leading=leading, **kw)

    centred = {"alignment": TA_CENTER}
    return Styles(
        fonts=fonts,
        org_zh=style("org_zh", 19, 24, textColor=RED, fontName=fonts.song_bold, **centred),
        org_en=style("org_en", 9.5, 12, textColor=RED, fontName=fonts.bold, **centred),
        title_zh=style("title_zh", 18, 23, fontName=fonts.song_bold, spaceBefore=2 * mm, **centred),
        title_en=style("title_en", 11, 14, fontName=fonts.bold, spaceAfter=2 * mm, **centred),
        heading=style(
            "heading", 9.5, 13, fontName=fonts.song_bold, spaceBefore=2 * mm, spaceAfter=1 * mm
        ),
        body_zh=style(
            "body_zh", 10, 14.5, fontName=fonts.song, firstLineIndent=20, spaceAfter=0.8 * mm
        ),
        body_en=style("body_en", 8.5, 11, firstLineIndent=17, spaceAfter=0.8 * mm),
        text=style("text", 8.5, 11.5),
        text_right=style("text_right", 8.5, 11.5, alignment=TA_RIGHT),
        closing_zh=style("closing_zh", 10, 14, fontName=fonts.song, spaceAfter=1 * mm),
        typed=style("typed", 9, 11, fontName=fonts.bold),
        issuer_zh=style("issuer_zh", 10.5, 14, fontName=fonts.song, **centred),
        issuer=style("issuer", 8.5, 11, **centred),
        cell=style("cell", 7.5, 9.2),
        header_cell=style("header_cell", 7.5, 9.2, fontName=fonts.song_bold, **centred),
        small=style("small", 7.5, 9.5, spaceBefore=1 * mm),
        code=style("code", 5.5, 7),
    )


def _has_chinese(text: str) -> bool:
    return any(ord(c) >= 0x2E80 for c in text)


def para(text: str | None, style: ParagraphStyle, fonts: FontNames, *, bold: bool = False):
    """Give back a Paragraph showing ``text`` literally (user data is never markup), each
    run in the face that draws it. Latin words wrap only at spaces; Chinese anywhere."""
    text = text or ""
    if _has_chinese(text) and style.wordWrap != "CJK":
        style = _cjk(style)
    return Paragraph(markup(text, fonts, bold=bold), style)


@lru_cache(maxsize=64)
def _cjk(style: ParagraphStyle) -> ParagraphStyle:
    return ParagraphStyle(f"{style.name}-cjk", parent=style, wordWrap="CJK")


def cell(
    text: str | None, style: ParagraphStyle, width: float, fonts: FontNames
) -> str | list[Any]:
    """Give back a table cell: one paragraph per line of ``text``, right-to-left lines
    wrapped to the cell and put in drawing order.

    Lines that all fit and are all in the style's own face come back as a plain string,
    which the table draws several times faster than paragraphs.
    """
    room = width - 2 * CELL_PAD - 0.5
    drawn = visual_lines(text or "", fonts, style.fontSize, room)
    lines = [line for line in drawn.split("\n") if line.strip()]
    if all(_plain(line, style, fonts, room) for line in lines):
        return "\n".join(lines)
    return [para(line, style, fonts) for line in lines]


def _plain(line: str, style: ParagraphStyle, fonts: FontNames, room: float) -> bool:
    """Give back True when ``line`` is one run in the style's face and fits ``room``."""
    runs = fonts.runs(line)
    return (
        len(runs) == 1
        and runs[0][1] == style.fontName
        and stringWidth(line, style.fontName, style.fontSize) <= room
    )


def grid_style(style: ParagraphStyle, *commands: tuple[Any, ...]) -> TableStyle:
    """Give back a gridded table style whose plain-string cells match ``style``."""
    return TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), style.fontName, style.fontSize, style.leading),
            ("GRID", (0, 0), (-1, -1), 0.5, _GRID),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("TOPPADDING", (0, 0), (-1, -1), 1.8),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.6),
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
        self.drawString(20 * mm, FOOTER_Y, self._footer_left)
        self.drawRightString(width - 20 * mm, FOOTER_Y, f"{self._pageNumber} / {total}")
        self.restoreState()


class SealMark(Flowable):
    """Draws the closing table and records where the seal goes in its last column: its
    lower edge just above the date row (the last row), so that it covers the issuer's name
    above the date as a stamp does and leaves the date readable.

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
        bottom = self.table._rowHeights[-1] + 1.5  # the date row, with a hair of space
        half = self.diameter / 2
        x1, y1 = self.canv.absolutePosition(cx - half, bottom)
        x2, y2 = self.canv.absolutePosition(cx + half, bottom + self.diameter)
        self.rect = SealRect(self.canv.getPageNumber() - 1, x1, y1, x2, y2)
        if self.seal_png:
            reader = ImageReader(io.BytesIO(self.seal_png))
            self.canv.drawImage(
                reader, cx - half, bottom, self.diameter, self.diameter, mask="auto"
            )
