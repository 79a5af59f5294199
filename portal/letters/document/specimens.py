"""Specimen letters: three outlets, twenty outlets, and one letter for each script family an
outlet directory may hold, rendered unsigned with the seal painted in, as docs/specimens/
shows them (``flask --app portal letter-specimens``)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import qrcode

from .content import (
    DEFAULT_BODY_EN,
    DEFAULT_BODY_ZH,
    Country,
    Exporter,
    LetterDocument,
    Manufacturer,
    Outlet,
    Vehicle,
    fill_body,
    split_paragraphs,
)
from .page_image import first_page_png
from .pdf import render_letter_pdf

__all__ = ["SCRIPT_OUTLETS", "specimen_letters", "specimen_pdfs", "write_specimens"]

VERIFY_URL = "HTTPS://PORTAL.EXAMPLE.CN/V/SPECIMEN"  # resolves to no letter, on purpose

# script family -> (country code, 中文名, English name, outlet name, Latin name, city, address)
SCRIPT_OUTLETS = {
    "arabic": ("AE", "阿联酋", "United Arab Emirates", "مركز خدمة هواشيا دبي",
               "Huaxia Service Centre Dubai", "دبي", "شارع الشيخ زايد، المبنى 12"),
    "persian": ("IR", "伊朗", "Iran", "مرکز خدمات پس از فروش تهران",
                "After-Sales Centre Tehran", "تهران", "خیابان ولیعصر، پلاک ۱۲"),
    "hebrew": ("IL", "以色列", "Israel", "מרכז שירות תל אביב",
               "Service Centre Tel Aviv", "תל אביב", "רחוב הרצל 10"),
    "cyrillic": ("RU", "俄罗斯", "Russia", "Сервисный центр Москва",
                 "Service Centre Moscow", "Москва", "ул. Тверская, д. 12, стр. 3"),
    "latin": ("VN", "越南", "Viet Nam", "Trung tâm dịch vụ Hà Nội",
              "Service Centre Hanoi", "Hà Nội", "Đường Nguyễn Trãi, Quận Thanh Xuân"),
    "georgian": ("GE", "格鲁吉亚", "Georgia", "სერვის ცენტრი თბილისი",
                 "Service Centre Tbilisi", "თბილისი", "რუსთაველის გამზირი 12"),
    "armenian": ("AM", "亚美尼亚", "Armenia", "Սպասարկման կենտրոն Երևան",
                 "Service Centre Yerevan", "Երևան", "Մաշտոցի պողոտա 5"),
    "thai": ("TH", "泰国", "Thailand", "ศูนย์บริการกรุงเทพ",
             "Service Centre Bangkok", "กรุงเทพมหานคร", "ถนนสุขุมวิท 55"),
    "lao": ("LA", "老挝", "Lao People's Democratic Republic", "ສູນບໍລິການວຽງຈັນ",
            "Service Centre Vientiane", "ວຽງຈັນ", "ຖະໜົນລ້ານຊ້າງ"),
    "khmer": ("KH", "柬埔寨", "Cambodia", "មជ្ឈមណ្ឌលសេវាកម្មភ្នំពេញ",
              "Service Centre Phnom Penh", "ភ្នំពេញ", "មហាវិថីព្រះនរោត្តម"),
    "burmese": ("MM", "缅甸", "Myanmar", "ဝန်ဆောင်မှုစင်တာ ရန်ကုန်",
                "Service Centre Yangon", "ရန်ကုန်", "ပြည်လမ်း"),
    "mongolian": ("MN", "蒙古", "Mongolia", "ᠦᠢᠯᠡᠴᠢᠯᠡᠭᠡ ᠶᠢᠨ ᠲᠥᠪ",
                  "Service Centre Ulaanbaatar", "Улаанбаатар", "Энхтайваны өргөн чөлөө 5"),
    "devanagari": ("NP", "尼泊尔", "Nepal", "सेवा केन्द्र काठमाडौं",
                   "Service Centre Kathmandu", "काठमाडौं", "दरबार मार्ग"),
}  # fmt: skip

# The demo's fictitious companies (portal/demo.py): a specimen names no real manufacturer.
_MANUFACTURER = Manufacturer("华夏汽车股份有限公司", "Huaxia Motor Co., Ltd.", "91440300MA5F00001A")
_EXPORTER = ("远航二手车出口有限公司", "Yuanhang Used Car Export Co., Ltd.")


def _qr_png() -> bytes:
    out = io.BytesIO()
    qrcode.make(VERIFY_URL, error_correction=qrcode.constants.ERROR_CORRECT_M).save(out, "PNG")
    return out.getvalue()


def _letter(country: Country, outlets: tuple[Outlet, ...], qr: bytes) -> LetterDocument:
    values = {"manufacturer_name": _MANUFACTURER.name_zh, "exporter_name": _EXPORTER[0]}
    zh = fill_body(DEFAULT_BODY_ZH, {**values, "country_name": country.name_zh})
    en_values = {"manufacturer_name": _MANUFACTURER.name_en, "exporter_name": _EXPORTER[1]}
    en = fill_body(DEFAULT_BODY_EN, {**en_values, "country_name": country.name_en})
    return LetterDocument(
        manufacturer=_MANUFACTURER,
        letter_number="HXM-2026-000123",
        issue_date=date(2026, 1, 15),
        vehicle=Vehicle("华夏 Huaxia", "Huaxia S7 DM-i", "LHXAB12C5SA000123", date(2025, 10, 1),
                        date(2025, 12, 20), "HX472QA-123456", "白色 / White", "phev"),
        country=country,
        exporter=Exporter(_EXPORTER[0], "91310115MA1K000029", _EXPORTER[1]),
        valid_until=date(2026, 7, 15),
        outlets=outlets,
        body_zh=split_paragraphs(zh),
        body_en=split_paragraphs(en),
        qr_png=qr,
        verification_code="ABCD-EF23",
        verification_url=VERIFY_URL,
    )  # fmt: skip


def _outlet(script: str, number: int) -> Outlet:
    code, _zh, _en, name, latin, city, address = SCRIPT_OUTLETS[script]
    return Outlet(
        f"{code}-{number:03d}",
        name if number == 1 else f"{name} {number}",
        latin if number == 1 else f"{latin} {number}",
        city,
        address,
        f"{10000 + number}",
        "",
        "维修、保养、配件 / repair, maintenance, spare parts",
        f"service{number}@huaxia.example",
    )


def specimen_letters() -> Iterator[tuple[str, LetterDocument]]:
    """Give back (file stem, letter) for every specimen."""
    qr = _qr_png()
    russia = Country("RU", "俄罗斯", "Russia")
    moscow = [_outlet("cyrillic", n) for n in range(1, 21)]
    moscow = [replace(o, phone=f"+7 495 {100 + n:03d}-45-67") for n, o in enumerate(moscow)]
    yield "three-outlets", _letter(russia, tuple(moscow[:3]), qr)
    yield "twenty-outlets", _letter(russia, tuple(moscow), qr)
    for script, (code, zh, en, *_rest) in SCRIPT_OUTLETS.items():
        outlets = tuple(_outlet(script, n) for n in (1, 2))
        yield f"script-{script}", _letter(Country(code, zh, en), outlets, qr)


def specimen_pdfs() -> Iterator[tuple[str, bytes]]:
    """Give back (file stem, unsigned PDF with the seal painted in) for every specimen."""
    for stem, letter in specimen_letters():
        yield stem, render_letter_pdf(letter, draw_seal=True).pdf


def write_specimens(folder: Path, dpi: int = 90) -> list[Path]:
    """Give back the PNG files written to ``folder``: the first page of every specimen."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, pdf in specimen_pdfs():
        path = folder / f"{stem}.png"
        path.write_bytes(first_page_png(pdf, dpi=dpi, colours=64))
        written.append(path)
    return written
