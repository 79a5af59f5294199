"""The letter's two tables: the vehicle and export details, and the service outlets (which
flow over pages with their header repeated)."""

from __future__ import annotations

from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Table

from .content import LetterDocument, Outlet
from .flowables import CELL_PAD, Styles, cell, grid_style, para
from .runs import line_width
from .wording import date_zh, fuel_words, phone_international

__all__ = ["FRAME_WIDTH", "MARGIN_X", "details_table", "outlets_table"]

MARGIN_X = 20 * mm
FRAME_WIDTH = A4[0] - 2 * MARGIN_X
_HEADER_BG = colors.HexColor("#e8e8e8")
_LABEL_BG = colors.HexColor("#f3f3f3")


def details_table(doc: LetterDocument, s: Styles) -> list[Flowable]:
    """Give back the vehicle and export details, three label-value pairs to a row, and the
    exporter on a row of its own, wide enough for its Chinese and English names."""
    v, c, e = doc.vehicle, doc.country, doc.exporter
    pairs = [
        ("品牌\nBrand", v.brand),
        ("车型\nModel", v.model),
        ("车辆识别代号\nVIN", v.vin),
        ("注册登记日期\nRegistration", _both(v.registration_date)),
        ("转移登记日期\nTransfer registration", _both(v.transfer_registration_date)),
        ("燃料种类\nFuel type", fuel_words(v.fuel_type)),
        ("发动机号\nEngine No.", v.engine_number),
        ("车身颜色\nColour", v.colour),
        ("出口国家\nDestination", f"{c.name_zh}\n{c.name_en} ({c.code})"),
    ]  # the validity is stated in the closing sentences
    pairs = [(label, value) for label, value in pairs if value]
    label_w = 24 * mm
    value_w = FRAME_WIDTH / 3 - label_w
    cells = [
        [cell(label, s.cell, label_w, s.fonts), cell(value, s.cell, value_w, s.fonts)]
        for label, value in pairs
    ]
    while len(cells) % 3:
        cells.append(["", ""])
    rows = [[*a, *b, *c] for a, b, c in zip(*[iter(cells)] * 3, strict=True)]
    table = Table(rows, colWidths=[label_w, value_w] * 3)
    table.setStyle(
        grid_style(
            s.cell,
            *(("BACKGROUND", (col, 0), (col, -1), _LABEL_BG) for col in (0, 2, 4)),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        )
    )
    # The exporter's row, right under the others: its names get three columns' width.
    names = "\n".join(dict.fromkeys(x for x in (e.name, e.name_en) if x))
    widths = [label_w, 2 * value_w + label_w, label_w, value_w]
    texts = ["出口企业\nExporter", names, "出口企业信用代码\nExporter USCC", e.uscc]
    exporter = Table(
        [[cell(t, s.cell, w, s.fonts) for t, w in zip(texts, widths, strict=True)]],
        colWidths=widths,
    )
    exporter.setStyle(
        grid_style(
            s.cell,
            *(("BACKGROUND", (col, 0), (col, 0), _LABEL_BG) for col in (0, 2)),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        )
    )
    heading = "一、车辆及出口信息 / Vehicle and export information"
    return [para(heading, s.heading, s.fonts, bold=True), table, exporter]


def _both(day: Any) -> str:
    return f"{date_zh(day)}\n{day.isoformat()}"


_OUTLET_HEADER = (
    "序号\nNo.",
    "服务网点名称\nService outlet",
    "地址\nAddress",
    "联系方式\nContact",
    "服务项目\nServices",
)
_OUTLET_WIDTHS = (15 * mm, 44 * mm, 41 * mm, 37 * mm)
_OUTLET_WIDTHS += (FRAME_WIDTH - sum(_OUTLET_WIDTHS),)


def outlets_table(doc: LetterDocument, s: Styles) -> list[Flowable]:
    """Give back the outlet table; it flows over pages with its header repeated."""
    header = [
        cell(text, s.header_cell, width, s.fonts)
        for text, width in zip(_OUTLET_HEADER, _OUTLET_WIDTHS, strict=True)
    ]
    rows = [header]
    rows += [_outlet_row(n, o, doc.country.code, s) for n, o in enumerate(doc.outlets, start=1)]
    table = Table(rows, colWidths=_OUTLET_WIDTHS, repeatRows=1)
    table.setStyle(
        grid_style(
            s.cell,
            ("BACKGROUND", (0, 0), (-1, 0), _HEADER_BG),
            ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
            ("VALIGN", (0, 1), (-1, -1), "TOP"),
        )
    )
    country = doc.country
    title = f"二、{country.name_zh}售后服务网点 / After-sales service outlets in {country.name_en}"
    return [para(title, s.heading, s.fonts, bold=True), table]


def _outlet_row(number: int, o: Outlet, country: str, s: Styles) -> list[Any]:
    """Give back the cells of one outlet row."""
    services_zh, _, services_en = o.services.partition(" / ")
    names = [o.name_local] if o.name_local else []
    if o.name_latin and o.name_latin != o.name_local:
        names.append(o.name_latin)
    contact = [phone_international(o.phone, country), *_email_lines(o.email, s)]
    texts = (
        str(number),
        "\n".join(names),
        "\n".join(x for x in (o.address, f"{o.postcode} {o.city}".strip()) if x),
        "\n".join(x for x in contact if x),
        "\n".join(x for x in (services_zh, services_en) if x),
    )
    cells = [
        cell(text, s.cell, width, s.fonts)
        for text, width in zip(texts, _OUTLET_WIDTHS, strict=True)
    ]
    if o.code:  # the outlet's code, small, under its number
        first = cells[0] if isinstance(cells[0], list) else [para(cells[0], s.cell, s.fonts)]
        cells[0] = [*first, para(o.code, s.code, s.fonts)]
    return cells


def _email_lines(email: str, s: Styles) -> list[str]:
    """Give back the e-mail address on one line, or broken after its @ when it is too long
    for the column: an address has no spaces to wrap at."""
    room = _OUTLET_WIDTHS[3] - 2 * CELL_PAD - 0.5
    if not email or line_width(email, s.fonts, s.cell.fontSize) <= room or "@" not in email:
        return [email]
    local, _, domain = email.partition("@")
    return [f"{local}@", domain]
