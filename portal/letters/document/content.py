"""What a confirmation letter says, as plain frozen values ready for rendering.

Notice Commerce and Trade Letter [2025] No. 648 asks that the After-Sales Service Confirmation
name the export country, the vehicle, the after-sales service outlets in that country, and
carry the manufacturer's official seal. A ``LetterDocument`` holds exactly what is printed;
looking things up and filling in the body text happen before it is built.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

__all__ = [
    "BODY_PLACEHOLDERS",
    "DEFAULT_ADDRESSEE_EN",
    "DEFAULT_ADDRESSEE_ZH",
    "DEFAULT_BODY_EN",
    "DEFAULT_BODY_ZH",
    "Country",
    "Exporter",
    "LetterDocument",
    "Manufacturer",
    "Outlet",
    "TemplateError",
    "Vehicle",
    "fill_body",
    "split_paragraphs",
]

DEFAULT_ADDRESSEE_ZH = "主管商务部门"
DEFAULT_ADDRESSEE_EN = "The competent commerce department"

BODY_PLACEHOLDERS = frozenset({"manufacturer_name", "country_name", "exporter_name"})

DEFAULT_BODY_ZH = (
    "根据商务部、工业和信息化部、公安部、海关总署《关于进一步加强二手车出口管理的通知》"
    "（商贸函〔2025〕648号）的要求，{manufacturer_name}（以下简称“我公司”）作为下列车辆的"
    "生产企业，特此确认：\n\n"
    "该车辆由出口企业{exporter_name}出口至{country_name}后，我公司将通过本函所列我公司在"
    "{country_name}的售后服务网点，为该车辆提供售后维修保养服务、零配件供应及技术支持。"
)

DEFAULT_BODY_EN = (
    "In accordance with the Notice of the Ministry of Commerce, the Ministry of Industry and "
    "Information Technology, the Ministry of Public Security and the General Administration of "
    "Customs on Further Strengthening the Management of Used Car Exports (Commerce and Trade "
    'Letter [2025] No. 648), {manufacturer_name} (hereinafter "we"), as the '
    "manufacturer of the vehicle described below, hereby confirms the following:\n\n"
    "After the vehicle is exported to {country_name} by the exporter {exporter_name}, we will "
    "provide after-sales repair and maintenance service, spare parts supply and technical "
    "support for the vehicle through our after-sales service outlets in {country_name} listed "
    "in this letter."
)


class TemplateError(ValueError):
    """A body template is malformed or names a placeholder without a value."""


def fill_body(template: str, values: Mapping[str, str]) -> str:
    """Give back ``template`` with each ``{name}`` replaced by ``values[name]``.

    Only bare names are allowed: attribute access, indexing, conversions and format specs
    (``{a.b}``, ``{a[0]}``, ``{a!r}``, ``{a:>9}``) are rejected, so a template written by a
    manufacturer cannot reach into Python objects. ``{{`` and ``}}`` give literal braces.
    Values are inserted as they are, never expanded again.
    """
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise TemplateError(f"malformed body template: {exc}") from exc
    out: list[str] = []
    for literal, name, spec, conversion in parts:
        out.append(literal)
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise TemplateError(f"placeholder {{{name}}} is not a plain name")
        if name not in values:
            known = ", ".join(sorted(values)) or "none"
            raise TemplateError(f"unknown placeholder {{{name}}} in body template (known: {known})")
        out.append(str(values[name]))
    return "".join(out)


def split_paragraphs(text: str) -> tuple[str, ...]:
    """Give back the non-empty paragraphs of ``text``, split at blank lines.

    The lines of a paragraph are joined as a wrapped template means them: with a space
    between Latin words, directly between Chinese characters.
    """
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if lines:
            paragraphs.append(lines[0])
            for line in lines[1:]:
                cjk = _is_cjk(paragraphs[-1][-1]) or _is_cjk(line[0])
                paragraphs[-1] += line if cjk else f" {line}"
    return tuple(paragraphs)


def _is_cjk(char: str) -> bool:
    """Give back True for Chinese characters and full-width punctuation."""
    return ord(char) >= 0x2E80


@dataclass(frozen=True)
class Manufacturer:
    """The vehicle manufacturer issuing the letter."""

    name_zh: str
    name_en: str
    uscc: str  # unified social credit code (统一社会信用代码)


@dataclass(frozen=True)
class Vehicle:
    """The exported vehicle, as on its Motor Vehicle Registration Certificate."""

    brand: str
    model: str
    vin: str
    registration_date: date
    transfer_registration_date: date
    engine_number: str | None = None
    colour: str | None = None
    fuel_type: str | None = None


@dataclass(frozen=True)
class Country:
    """The destination country of the export."""

    code: str  # ISO 3166-1 alpha-2
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class Exporter:
    """The enterprise exporting the vehicle."""

    name: str
    uscc: str


@dataclass(frozen=True)
class Outlet:
    """An after-sales service outlet in the destination country."""

    code: str
    name_local: str  # in the country's own script, e.g. Cyrillic
    name_latin: str
    city: str
    address: str
    postcode: str
    phone: str
    services: str  # e.g. "维修 保养 配件 / repair, maintenance, parts"
    email: str = ""


@dataclass(frozen=True)
class LetterDocument:
    """Everything printed on one After-Sales Service Confirmation letter."""

    manufacturer: Manufacturer
    letter_number: str
    issue_date: date
    vehicle: Vehicle
    country: Country
    exporter: Exporter
    valid_until: date
    outlets: tuple[Outlet, ...]
    body_zh: tuple[str, ...]
    body_en: tuple[str, ...]
    qr_png: bytes
    verification_code: str
    verification_url: str
    seal_png: bytes | None = None  # None: a seal is generated from the manufacturer's name
    addressee_zh: str = DEFAULT_ADDRESSEE_ZH
    addressee_en: str = DEFAULT_ADDRESSEE_EN

    def __post_init__(self) -> None:
        # Accept lists from callers but keep the value immutable.
        for name in ("outlets", "body_zh", "body_en"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if not self.outlets:
            raise ValueError("a confirmation letter must list at least one service outlet")
        if self.valid_until < self.issue_date:
            raise ValueError("valid_until is before the issue date")
        if not self.qr_png:
            raise ValueError("qr_png is empty")
