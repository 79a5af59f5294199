"""A request's whole way in Chromium, CSRF on: an exporter asks for a confirmation through
the three steps with a certificate scan, the manufacturer's issuer approves it and issues the
letter, and the exporter downloads the signed PDF."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page
from pypdf import PdfReader

from portal.accounts.roles import OrgKind, Role
from portal.clock import today_in_china
from portal.letters.keys.authority import ensure_authority
from portal.signing import parse_master_key
from tests.browser.conftest import LiveServer, sign_in
from tests.factories import Factories

pytestmark = pytest.mark.browser


def _certificate_scan(folder: Path) -> Path:
    """Writes a small real PNG, the scan a phone would make of the certificate."""
    path = folder / "certificate.png"
    image = Image.new("RGB", (120, 80), "white")
    image.paste((30, 60, 160), (10, 10, 110, 30))
    image.save(path, format="PNG")
    return path


def _request_as_exporter(page: Page, manufacturer, vin: str, scan: Path) -> int:
    """Walks the three steps of a new request and submits it; returns the request's number."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Requests").click()
    page.get_by_role("link", name="New request").click()
    page.get_by_label("Manufacturer").select_option(str(manufacturer.id))
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Destination country").select_option("KZ")
    page.get_by_role("button", name="Continue").click()

    today = today_in_china()
    page.get_by_label("VIN (vehicle identification number)").fill(vin)
    page.get_by_label("Model", exact=True).fill("Song Plus")
    page.get_by_label("Registration date", exact=True).fill(
        (today - timedelta(days=30)).isoformat()
    )
    page.get_by_label("Transfer registration date awaiting export").fill(
        (today - timedelta(days=10)).isoformat()
    )
    page.get_by_label("Registration certificate scan").set_input_files(str(scan))
    page.get_by_role("button", name="Submit to the manufacturer").click()
    page.wait_for_url(re.compile(r"/requests/\d+$"))
    return int(page.url.rsplit("/", 1)[-1])


def _approve_and_issue(
    browser: Browser, server: LiveServer, issuer, request_id: int, vin: str
) -> None:
    """Signs the issuer in, finds the request in the review queue, approves it and issues
    its letter."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    try:
        sign_in(page, server, issuer.email, Factories.PASSWORD)
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Review").click()
        row = page.get_by_role("row").filter(has_text=vin)
        assert "Letter required (day 30 of 180)" in row.inner_text()
        row.get_by_role("link", name=str(request_id), exact=True).click()
        page.get_by_role("button", name="Approve").click()
        page.wait_for_load_state()
        assert f"Request #{request_id} is approved" in page.get_by_role("status").first.inner_text()
        page.get_by_role("button", name="Issue the letter").click()
        page.wait_for_url(re.compile(r"/letters/\d+$"))
        assert "is issued." in page.get_by_role("status").first.inner_text()
    finally:
        context.close()


def test_exporter_requests_and_downloads_the_issued_letter(
    browser, page, live_server, live_make, tmp_path
):
    make = live_make
    manufacturer = make.organisation(OrgKind.MANUFACTURER)
    # Only the first brand has an outlet, so step two offers one destination form.
    make.outlet(manufacturer, country="KZ", brands=[manufacturer.brands[0]])
    issuer = make.user(Role.MANUFACTURER_ISSUER, org=manufacturer)
    exporter = make.user(Role.EXPORTER_USER)
    vin = make.vin(manufacturer)
    ensure_authority(make.session, parse_master_key(live_server.app.config["MASTER_KEY"]))
    make.session.commit()

    sign_in(page, live_server, exporter.email, Factories.PASSWORD)
    request_id = _request_as_exporter(page, manufacturer, vin, _certificate_scan(tmp_path))
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == f"Request #{request_id} Submitted"
    rule = page.get_by_role("heading", name="180-day rule")
    assert "Letter required (day 30 of 180)" in rule.inner_text()
    assert "within the 180-day window (inclusive)" in page.content()
    assert page.get_by_role("link", name="certificate.png").is_visible()
    page.screenshot(path=str(tmp_path / "submitted.png"), full_page=True)

    _approve_and_issue(browser, live_server, issuer, request_id, vin)

    page.reload()
    assert heading.inner_text() == f"Request #{request_id} Issued"
    assert "The letter is issued." in page.get_by_role("status").first.inner_text()
    with page.expect_download() as info:
        page.get_by_role("link", name="Download letter").click()
    assert info.value.suggested_filename.startswith(manufacturer.short_code)
    data = Path(info.value.path()).read_bytes()
    assert data.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert vin in text
