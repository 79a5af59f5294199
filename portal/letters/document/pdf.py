"""The After-Sales Service Confirmation letter as an A4 PDF, ready to be sealed and signed."""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from .content import LetterDocument, Outlet
from .flowables import (
    NumberedCanvas,
    SealMark,
    SealRect,
    Styles,
    cell,
    grid_style,
    para,
    styles_for,
)
from .fonts import register_fonts
from .qr_symbol import QRSymbol
from .seal_image import generated_seal_png

__all__ = ["SEAL_DIAMETER", "RenderedLetter", "SealRect", "render_letter_pdf"]

# ASCII85 only makes binary streams printable; done in pure Python it costs about a third of
# the rendering time and makes the file a quarter larger.
rl_config.useA85 = 0

MARGIN_X = 18 * mm
FRAME_WIDTH = A4[0] - 2 * MARGIN_X
QR_SIZE = 35 * mm  # the symbol itself, without its quiet zone
SEAL_DIAMETER = 40 * mm  # the usual size of a Chinese company seal
_RULE = colors.HexColor("#8a1c1c")
_HEADER_BG = colors.HexColor("#5b5b5b")
_LABEL_BG = colors.HexColor("#eeeeee")


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
    styles = styles_for(fonts.regular)
    seal_png = doc.seal_png or generated_seal_png(doc.manufacturer.name_zh, font_path=font_path)
    seal = SealMark(_signature_table(doc, styles), SEAL_DIAMETER, seal_png if draw_seal else None)
    story = [
        *_letterhead(doc, styles),
        *_opening(doc, styles),
        *_details(doc, styles),
        *_outlets(doc, styles),
        Spacer(1, 5 * mm),
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
        topMargin=12 * mm,
        bottomMargin=14 * mm,
        title=f"售后服务确认函 After-Sales Service Confirmation {doc.letter_number}",
        author=doc.manufacturer.name_en or doc.manufacturer.name_zh,
        subject=f"VIN {doc.vehicle.vin}",
        creator="The Portal",
        # The canvas starts each page in this font; the default Helvetica would not be embedded.
        initialFontName=font,
    )


def _font_command(s: Styles) -> tuple[str, tuple[int, int], tuple[int, int], str, float]:
    """Give back a table style command setting the letter font.

    Tables select their cell font even for cells holding only Paragraphs; left at its
    default, that is Helvetica, which would end up in the PDF without being embedded.
    """
    return ("FONT", (0, 0), (-1, -1), s.text.fontName, s.text.fontSize)


def _iso(day: date) -> str:
    """Give back ``day`` as YYYY-MM-DD, read the same way in Chinese and English."""
    return day.isoformat()


def _letterhead(doc: LetterDocument, s: Styles) -> list[Flowable]:
    """Give back the manufacturer's names and the title beside the QR code."""
    m = doc.manufacturer
    left = [
        para(m.name_zh, s.name_zh),
        para(m.name_en, s.name_en),
        para(f"统一社会信用代码 / USCC: {m.uscc}", s.text),
        para("售后服务确认函", s.title_zh),
        para("After-Sales Service Confirmation", s.title_en),
        Spacer(1, 2.5 * mm),
        para(f"编号 / No.: {doc.letter_number}", s.text),
        para(f"日期 / Date: {_iso(doc.issue_date)}", s.text),
    ]
    right = [
        QRSymbol(doc.qr_png, QR_SIZE),
        para(f"函号 No. {doc.letter_number}", s.small),
        para(f"核验码 Code {doc.verification_code}", s.small),
        para(doc.verification_url, s.tiny),
    ]
    head = Table([[left, right]], colWidths=[FRAME_WIDTH - 44 * mm, 44 * mm])
    head.setStyle(
        TableStyle(
            [
                _font_command(s),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 0), (1, 0), "CENTER"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [head, HRFlowable(width="100%", thickness=1.2, color=_RULE, spaceAfter=2 * mm)]


def _opening(doc: LetterDocument, s: Styles) -> list[Flowable]:
    """Give back the addressee and the body, Chinese first, then English."""
    flow: list[Flowable] = [
        para(f"致：{doc.addressee_zh}", s.body_zh.clone("addr", firstLineIndent=0)),
        para(f"To: {doc.addressee_en}", s.body_en),
    ]
    flow += [para(text, s.body_zh) for text in doc.body_zh]
    flow += [para(text, s.body_en) for text in doc.body_en]
    return flow


def _details(doc: LetterDocument, s: Styles) -> list[Flowable]:
    """Give back the vehicle and export details as a two-pair-per-row table."""
    v, c, e = doc.vehicle, doc.country, doc.exporter
    pairs = [
        ("品牌 / Brand", v.brand),
        ("车型 / Model", v.model),
        ("车辆识别代号 / VIN", v.vin),
        ("注册登记日期\nRegistration date", _iso(v.registration_date)),
        ("转移登记日期\nTransfer registration date", _iso(v.transfer_registration_date)),
        ("发动机号 / Engine No.", v.engine_number),
        ("车身颜色 / Colour", v.colour),
        ("燃料种类 / Fuel type", v.fuel_type),
        ("出口国家\nDestination country", f"{c.name_zh} {c.name_en} ({c.code})"),
        ("有效期至 / Valid until", _iso(doc.valid_until)),
        ("出口企业 / Exporter", e.name),
        ("出口企业信用代码\nExporter USCC", e.uscc),
    ]
    label_w, value_w = 34 * mm, FRAME_WIDTH / 2 - 34 * mm
    cells = [
        [cell(label, s.cell, label_w), cell(value, s.cell, value_w)]
        for label, value in pairs
        if value
    ]
    if len(cells) % 2:
        cells.append(["", ""])
    rows = [cells[i] + cells[i + 1] for i in range(0, len(cells), 2)]
    table = Table(rows, colWidths=[label_w, value_w] * 2)
    table.setStyle(
        grid_style(
            s.cell,
            ("BACKGROUND", (0, 0), (0, -1), _LABEL_BG),
            ("BACKGROUND", (2, 0), (2, -1), _LABEL_BG),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        )
    )
    return [para("一、车辆及出口信息 / Vehicle and export information", s.heading), table]


_OUTLET_HEADER = (
    "序号\nNo.",
    "服务网点\nService outlet",
    "地址\nAddress",
    "联系方式\nContact",
    "服务项目\nServices",
)
_OUTLET_WIDTHS = (10 * mm, 50 * mm, 50 * mm, 36 * mm)
_OUTLET_WIDTHS += (FRAME_WIDTH - sum(_OUTLET_WIDTHS),)


def _outlets(doc: LetterDocument, s: Styles) -> list[Flowable]:
    """Give back the outlet table; it flows over pages with its header repeated."""
    rows = [list(_OUTLET_HEADER)]
    rows += [_outlet_row(n, o, s) for n, o in enumerate(doc.outlets, start=1)]
    table = Table(rows, colWidths=_OUTLET_WIDTHS, repeatRows=1)
    table.setStyle(
        grid_style(
            s.cell,
            ("BACKGROUND", (0, 0), (-1, 0), _HEADER_BG),
            ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        )
    )
    country = doc.country
    title = f"二、{country.name_zh}售后服务网点 / After-sales service outlets in {country.name_en}"
    return [para(title, s.heading), table]


def _outlet_row(number: int, o: Outlet, s: Styles) -> list[str | Paragraph]:
    """Give back the cells of one outlet row."""
    texts = (
        str(number),
        "\n".join(x for x in (o.name_local, o.name_latin, o.code) if x),
        "\n".join(x for x in (o.address, f"{o.postcode} {o.city}".strip()) if x),
        "\n".join(x for x in (o.phone, o.email) if x),
        o.services,
    )
    return [cell(text, s.cell, width) for text, width in zip(texts, _OUTLET_WIDTHS, strict=True)]


def _signature_table(doc: LetterDocument, s: Styles) -> Table:
    """Give back the closing statement beside the issuer block the seal is put on."""
    valid = _iso(doc.valid_until)
    left = [
        para(f"本确认函自出具之日起至{valid}有效。", s.text),
        para(f"This confirmation is valid from its date of issue until {valid}.", s.text),
        Spacer(1, 2 * mm),
        para("核验：扫描二维码或访问以下网址 / Verify: scan the QR code or visit", s.text),
        para(doc.verification_url, s.text),
        para(f"核验码 / Verification code: {doc.verification_code}", s.text),
    ]
    right = [
        para("出具单位（盖章）/ Issued by (seal):", s.text),
        Spacer(1, 4 * mm),
        para(doc.manufacturer.name_zh, s.name_en),
        para(doc.manufacturer.name_en, s.text),
        Spacer(1, 4 * mm),
        para(f"日期 / Date: {_iso(doc.issue_date)}", s.text),
    ]
    return Table(
        [[left, right]],
        colWidths=[FRAME_WIDTH - 72 * mm, 72 * mm],
        rowHeights=[SEAL_DIAMETER - 6 * mm],
        style=[
            _font_command(s),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (0, 0), 0),
        ],
    )
