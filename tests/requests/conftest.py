"""Fixtures for letter requests: a manufacturer owning a real WMI with an outlet abroad, an
exporter, clients signed in on both sides, and scans made with reportlab and Pillow."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from PIL import Image
from reportlab.pdfgen import canvas

from portal.accounts.models import Brand, Organisation, Wmi
from portal.accounts.roles import OrgKind, Role
from portal.clock import today_in_china
from portal.requests.models import LetterRequest

# Real BYD VINs (see tests/vehicles/test_vin.py for their sources); WMI LGX is BYD's.
BYD_VIN = "LGXCE4CB6S0134553"
BYD_VIN_2 = "LGXCE4CB2R2001416"
BYD_VIN_MISTYPED = "LGXCE4CB6S0134535"  # the last two digits swapped: check digit fails
SAIC_VIN = "LSJWJ4W90SZ187922"  # valid, but SAIC's WMI


@dataclass
class World:
    manufacturer: Organisation
    brand: Brand  # has an outlet in Kazakhstan
    bare_brand: Brand  # has no outlet anywhere
    exporter: Organisation
    exporter_client: FlaskClient
    issuer_client: FlaskClient

    def vehicle_form(self, **overrides: object) -> dict[str, object]:
        """Returns a valid step-3 form (without the scan), with overrides."""
        today = today_in_china()
        data: dict[str, object] = {
            "vin": BYD_VIN,
            "model": "Song Plus DM-i",
            "registration_date": (today - timedelta(days=40)).isoformat(),
            "transfer_registration_date": (today - timedelta(days=5)).isoformat(),
            "application_date": today.isoformat(),
            "fuel_type": "phev",
            "colour": "White",
            "engine_number": "BYD472QA-123456",
            "after": "submit",
        }
        data.update(overrides)
        return data

    def new_url(self, country: str = "KZ", brand: Brand | None = None) -> str:
        brand = brand or self.brand
        return (
            f"/requests/new?manufacturer={self.manufacturer.id}&brand={brand.id}&country={country}"
        )


@pytest.fixture
def world(make, login_as) -> World:
    manufacturer = make.organisation(
        OrgKind.MANUFACTURER,
        name_en="BYD Auto Co., Ltd.",
        name_zh="比亚迪汽车有限公司",
        brands=[Brand(name="BYD"), Brand(name="Denza")],
        wmis=[Wmi(code="LGX")],
    )
    brand = next(b for b in manufacturer.brands if b.name == "BYD")
    bare = next(b for b in manufacturer.brands if b.name == "Denza")
    make.outlet(manufacturer, country="KZ", brands=[brand])
    exporter = make.organisation(OrgKind.EXPORTER)
    return World(
        manufacturer=manufacturer,
        brand=brand,
        bare_brand=bare,
        exporter=exporter,
        exporter_client=login_as(Role.EXPORTER_USER, org=exporter),
        issuer_client=login_as(Role.MANUFACTURER_ISSUER, org=manufacturer),
    )


def pdf_bytes() -> bytes:
    """Returns a real one-page PDF made with reportlab."""
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "Motor Vehicle Registration Certificate")
    page.showPage()
    page.save()
    return out.getvalue()


def image_bytes(fmt: str) -> bytes:
    """Returns a small real image in the format ("PNG" or "JPEG") made with Pillow."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


def upload(data: bytes, name: str) -> tuple[io.BytesIO, str]:
    return io.BytesIO(data), name


@pytest.fixture
def scan_pdf() -> bytes:
    return pdf_bytes()


def request_count(session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(LetterRequest)) or 0


def stored_scans(app) -> list[Path]:
    root = Path(app.config["STORAGE_DIR"]) / "certificate-scans"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
