"""The After-Sales Service Confirmation letter as an A4 PDF, ready to be sealed and signed.

The order is a Chinese official letter's, after GB/T 9704-2012: the issuer's name in red over
a red rule with the letter number, the title, the addressee, the body, the vehicle and the
outlets, the closing, and at the lower right the issuer's name and the date with the seal
over the name. Every part is bilingual, Chinese first.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, HRFlowable, SimpleDocTemplate, Table

from .content import LetterDocument
from .flowables import RED, NumberedCanvas, SealMark, SealRect, Styles, para, styles_for
from .fonts import register_fonts
from .qr_symbol import QRSymbol
from .seal_image import generated_seal_png
from .tables import FRAME_WIDTH, MARGIN_X, details_table, outlets_table
from .wording import date_en, date_zh, typed_address

__all__ = ["QR_SIZE", "SEAL_DIAMETER", "RenderedLetter", "SealRect", "render_letter_pdf"]

# ASCII85 only makes binary streams printable; done in pure Python it costs about a third of
# the rendering time and makes the file a quarter larger.
rl_config.useA85 = 0

QR_SIZE = 31 * mm  # the symbol itself, without its quiet zone
SEAL_DIAMETER = 40 * mm  # the usual size of a Chinese company seal
_ISSUER_WIDTH = 60 * mm


@dataclass(frozen=True)
class RenderedLetter:
    """The rendered letter, where its seal goes, and the seal image that belongs there."""

    pdf: bytes
    seal_rect: SealRect
    seal_png: bytes
    page_count: int


_BUILD_LOCK = threading.Lock()


def render_letter_pdf(
    doc: LetterDocument, *, font_path: str | Path | None = None, draw_seal: bool = False
) -> RenderedLetter:
    """Give back the letter as PDF bytes with the place of its seal.

    The seal place is left empty so that the signature, whose appearance is the seal, can be
    put there (``portal.signing.pades.sign_pdf``); ``draw_seal`` paints it for an unsigned
    preview instead.
    """
    fonts = register_fonts(font_path)
    s = styles_for(fonts)
    seal_png = doc.seal_png or generated_seal_png(doc.manufacturer.name_zh)
    seal = SealMark(_closing_table(doc, s), SEAL_DIAMETER, seal_png if draw_seal else None)
    story = [
        *_letterhead(doc, s),
        *_opening(doc, s),
        *details_table(doc, s),
        *outlets_table(doc, s),
        # The closing, the issuer, the date and the seal are one block: they never part.
        seal,
    ]
    out = io.BytesIO()
    canvases: list[NumberedCanvas] = []

    def canvas_maker(*args: Any, **kwargs: Any) -> NumberedCanvas:
        footer = f"No. {doc.letter_number}"
        canvases.append(
            NumberedCanvas(*args, footer_left=footer, footer_font=fonts.regular, **kwargs)
        )
        return canvases[-1]

    # reportlab keeps the subsets of an embedded TrueType font on the one font object that
    # every letter of the process shares: two letters built at once corrupt each other's.
    with _BUILD_LOCK:
        _template(out, doc, fonts.regular).build(story, canvasmaker=canvas_maker)
    if seal.rect is None:  # pragma: no cover - reportlab always draws the last flowable
        raise RuntimeError("the signature block was not laid out")
    return RenderedLetter(out.getvalue(), seal.rect, seal_png, canvases[-1].page_count)


def _template(out: io.BytesIO, doc: LetterDocument, font: str) -> SimpleDocTemplate:
    """Give back the A4 page template writing to ``out``, with the letter's metadata."""
    return SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=11 * mm,
        bottomMargin=13 * mm,
        title=f"售后服务确认函 After-Sales Service Confirmation {doc.letter_number}",
        author=doc.manufacturer.name_en or doc.manufacturer.name_zh,
        subject=f"VIN {doc.vehicle.vin}",
        creator="The Portal",
        # The canvas starts each page in this font; the default Helvetica would not be embedded.
        initialFontName=font,
    )


def _letterhead(doc: LetterDocument, s: Styles) -> list[Flowable]:
    """Give back the issuer's names in red, the red rule with number and date, the title."""
    m, f = doc.manufacturer, s.fonts
    numbers = Table(
        [
            [
                para(f"统一社会信用代码 USCC: {m.uscc}", s.small, f),
                para(f"编号 No.: {doc.letter_number}", s.text_right, f),
            ]
        ],
        colWidths=[FRAME_WIDTH / 2] * 2,
        style=[
            ("FONT", (0, 0), (-1, -1), f.regular, 8),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ],
    )
    return [
        para(m.name_zh or m.name_en, s.org_zh, f, bold=True),
        para(m.name_en, s.org_en, f, bold=True),
        numbers,
        HRFlowable(
            width="100%", thickness=1.6, color=RED, spaceBefore=0.5 * mm, spaceAfter=1.5 * mm
        ),
        para("售后服务确认函", s.title_zh, f, bold=True),
        para("After-Sales Service Confirmation", s.title_en, f, bold=True),
    ]


def _opening(doc: LetterDocument, s: Styles) -> list[Flowable]:
    """Give back the addressee and the body, Chinese first, then English."""
    f = s.fonts
    flow: list[Flowable] = [
        para(f"{doc.addressee_zh}：", s.body_zh.clone("addr_zh", firstLineIndent=0), f),
        *(para(text, s.body_zh, f) for text in doc.body_zh),
        para(f"To: {doc.addressee_en}", s.body_en.clone("addr_en", firstLineIndent=0), f),
        *(para(text, s.body_en, f) for text in doc.body_en),
    ]
    return flow


def _closing_table(doc: LetterDocument, s: Styles) -> Table:
    """Give back the closing: the QR code, the closing sentences, the line a person types
    to verify, and the issuer's names over the date.

    The issuer column is as tall as the seal above the date row: its upper part stays empty
    for the stamp, whose lower part covers the names; the date row stays clear of it.
    """
    f, m, valid = s.fonts, doc.manufacturer, doc.valid_until
    closing = [
        para(f"特此确认。本确认函自出具之日起至{date_zh(valid)}有效。", s.closing_zh, f),
        para(
            f"Hereby confirmed. This confirmation is valid from its date of issue until "
            f"{date_en(valid)}.",
            s.text,
            f,
        ),
        para(
            "核验：扫描二维码，或在下列网址输入编号和核验码。/ To verify, scan the QR code, or "
            "enter the number and code at the address below.",
            s.small,
            f,
        ),
    ]
    gap = "\u00a0" * 4  # three values, apart enough to be read as three
    typed = gap.join(
        (typed_address(doc.verification_url), doc.letter_number, doc.verification_code)
    )
    names = [para(m.name_zh or m.name_en, s.issuer_zh, f), para(m.name_en, s.issuer, f)]
    date_row = [para(f"{date_zh(doc.issue_date)} / {date_en(doc.issue_date)}", s.issuer, f)]
    qr = QRSymbol(doc.qr_png, QR_SIZE)
    qr_width = qr.size + 2 * qr.quiet
    middle = FRAME_WIDTH - qr_width - _ISSUER_WIDTH
    return Table(
        [[qr, closing, ""], ["", "", names], [para(typed, s.typed, f), "", date_row]],
        colWidths=[qr_width, middle, _ISSUER_WIDTH],
        rowHeights=[SEAL_DIAMETER - 9 * mm, None, None],
        style=[
            ("SPAN", (0, 0), (0, 1)),
            ("SPAN", (1, 0), (1, 1)),
            ("SPAN", (0, 2), (1, 2)),
            ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ("VALIGN", (1, 0), (1, 1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("LEFTPADDING", (1, 0), (1, 1), 2 * mm),
            ("LEFTPADDING", (0, 2), (0, 2), 1.5 * mm),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 2), (-1, 2), 1),
            ("FONT", (0, 0), (-1, -1), f.regular, 8),
        ],
    )
