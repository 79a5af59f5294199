"""The golden path in one Chromium run, as people would walk it: the platform administrator
creates a manufacturer and an exporter, their administrators set their passwords through the
one-time links, the manufacturer lists outlets by form and by a GB18030 CSV file separated by
semicolons, the exporter requests a letter, the manufacturer approves it, checks the letter
and issues it, the exporter downloads it; the PDF's QR code, read by zxing-cpp, opens a
GENUINE AND VALID verdict on a phone, and the revoked letter then reads REVOKED. Every page
on the way passes axe-core."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
import zxingcpp
from playwright.sync_api import Browser, Page

from portal.accounts.models import Organisation
from portal.accounts.roles import Role
from portal.accounts.uscc import with_check_character
from portal.clock import today_in_china
from portal.letters.keys.authority import ensure_authority
from portal.outlets.values import COLUMNS
from portal.signing import parse_master_key
from portal.vehicles.vin import check_digit
from tests.browser.axe import assert_accessible
from tests.browser.conftest import LiveServer, sign_in
from tests.browser.screens import PHONE, shoot
from tests.browser.test_requests import _certificate_scan, _request_as_exporter
from tests.factories import Factories
from tests.letters.pdfcheck import render_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "a long golden password 1"


def _checked(page: Page) -> Page:
    page.wait_for_load_state()
    assert_accessible(page)
    return page


def _new_organisation(page: Page, server: LiveServer, kind: str, name: str, **extra) -> str:
    """Creates the organisation through the platform's form; returns its one-time link."""
    page.goto(f"{server.url}/organisations/new")
    _checked(page)
    page.get_by_label("Kind").select_option(kind)
    page.get_by_label("Legal name (English)").fill(name)
    page.get_by_label("Unified social credit code").fill(extra.pop("uscc"))
    for label, value in extra.items():
        page.get_by_label(label).fill(value)
    page.get_by_label("First administrator's email").fill(f"admin@{kind}.example.test")
    page.get_by_label("First administrator's name").fill(f"{name} Admin")
    page.get_by_role("button", name="Create the organisation").click()
    _checked(page)
    return page.get_by_label("One-time link").input_value()


def _person(browser: Browser, server: LiveServer, link: str, email: str, **context) -> Page:
    """Opens the one-time link in a browser of the person's own, sets the password and signs
    in."""
    page = browser.new_context(locale="en-GB", **context).new_page()
    page.goto(link)
    _checked(page)
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the new password").fill(PASSWORD)
    page.get_by_role("button", name="Save the password").click()
    page.wait_for_load_state()
    sign_in(page, server, email, PASSWORD)
    page.goto(f"{server.url}/account/two-factor")
    secret = page.get_by_test_id("totp-secret")
    if secret.count():  # a manufacturer sets up the authenticator app before any work
        _checked(page)
        page.locator("form").filter(has=page.get_by_role("button", name="Confirm")).locator(
            "input:not([type=hidden])"
        ).first.fill(pyotp.TOTP(secret.input_value()).now())
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_load_state()
    page.goto(f"{server.url}/")
    return _checked(page)


def _outlet_csv(path: Path, brand: str) -> Path:
    """A second outlet as Chinese Excel with Russian list settings would save it."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(COLUMNS)
    row = {
        "outlet_code": "KZ-AST-02",
        "country": "KZ",
        "city": "Астана",
        "name_local": "阿斯塔纳服务中心",
        "name_latin": "Astana Service Centre",
        "address": "пр. Туран, 5",
        "phone": "+7 717 212 3456",
        "service_types": "repair;warranty",
        "brands": brand,
        "active_from": (today_in_china() - timedelta(days=30)).isoformat(),
    }
    writer.writerow([row.get(name, "") for name in COLUMNS])
    path.write_bytes(out.getvalue().encode("gb18030"))
    return path


def _outlets(page: Page, server: LiveServer, tmp_path: Path) -> None:
    page.goto(f"{server.url}/outlets/new")
    _checked(page)
    page.get_by_label("Outlet code").fill("kz-ala-01")
    page.get_by_label("Country").select_option("KZ")
    page.get_by_label("Name (local script)").fill("Алматы Сервис")
    page.get_by_label("Name (Latin letters)").fill("Almaty Service")
    page.get_by_label("City").fill("Алматы")
    page.get_by_label("Address").fill("ул. Абая, 10")
    page.get_by_label("Phone").fill("+7 727 250 1234")
    page.get_by_label("Warranty claims").check()
    page.get_by_label("Golden", exact=True).check()
    page.get_by_label("Active from").fill((today_in_china() - timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Save").click()
    _checked(page)
    assert "Outlet KZ-ALA-01 is created." in page.get_by_role("status").inner_text()

    page.goto(f"{server.url}/outlets/import")
    page.get_by_label("CSV file (UTF-8 or GB18030)").set_input_files(
        str(_outlet_csv(tmp_path / "outlets.csv", "Golden"))
    )
    page.get_by_role("button", name="Check the file").click()
    _checked(page)
    assert "read as GB18030, with cells separated by semicolons" in page.inner_text("main")
    shoot(page, tmp_path, "golden-outlet-import", phone=False)
    page.get_by_role("button", name="Apply the import").click()
    _checked(page)
    assert "1 created, 0 updated, 0 unchanged" in page.get_by_role("status").inner_text()


def _approve_and_issue(page: Page, server: LiveServer, vin: str, tmp_path: Path) -> None:
    page.goto(f"{server.url}/review")
    _checked(page)
    row = page.get_by_role("row").filter(has_text=vin)
    row.get_by_role("checkbox").check()
    page.get_by_label("Decision").select_option("approve")
    page.get_by_role("button", name="Apply to the selected requests").click()
    _checked(page)
    assert "1 request approved." in page.get_by_role("status").first.inner_text()
    assert page.get_by_role("button", name="Issue this letter…").is_visible()
    page.get_by_role("row").filter(has_text=vin).get_by_role("link").first.click()
    _checked(page)
    page.get_by_role("link", name="Check and issue the letter").click()
    _checked(page)
    preview = page.get_by_role("img", name=re.compile("Page 1 of"))
    assert preview.is_visible() and preview.evaluate("img => img.naturalWidth") > 800
    shoot(page, tmp_path, "golden-check-before-issuing")
    page.get_by_role("button", name="Confirm and issue this letter").click()
    page.wait_for_url(re.compile(r"/letters/\d+$"))
    _checked(page)
    assert "is issued." in page.get_by_role("status").first.inner_text()


def _verdict(browser: Browser, url: str, tmp_path: Path, name: str) -> str:
    context = browser.new_context(locale="en-GB", viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.goto(url)
    _checked(page)
    banner = page.locator(".verdict")
    box = banner.bounding_box()
    assert box is not None and box["width"] <= PHONE["width"]
    text = banner.inner_text()
    shoot(page, tmp_path, name)
    context.close()
    return text


def test_golden_path(browser, live_server, live_make, tmp_path):
    app = live_server.app
    platform = live_make.user(Role.PLATFORM_ADMIN)
    ensure_authority(live_make.session, parse_master_key(app.config["MASTER_KEY"]))
    live_make.session.commit()
    app.config["PUBLIC_BASE_URL"] = live_server.url

    admin = browser.new_context(locale="en-GB").new_page()
    sign_in(admin, live_server, platform.email, Factories.PASSWORD)
    maker_link = _new_organisation(
        admin,
        live_server,
        "manufacturer",
        "Golden Motor Co., Ltd.",
        uscc=with_check_character("91110000MA01GLDN0"),
        **{
            "Legal name (Chinese)": "金色汽车有限公司",
            "Short code for letter numbers (manufacturers)": "GMC",
            "Brands, one per line (manufacturers)": "Golden",
            "WMI codes owned, one per line (manufacturers)": "LGD",
        },
    )
    exporter_link = _new_organisation(
        admin,
        live_server,
        "exporter",
        "Silk Road Export Ltd.",
        uscc=with_check_character("91310000MA01BKRX0"),
    )
    maker = _person(browser, live_server, maker_link, "admin@manufacturer.example.test")
    exporter = _person(browser, live_server, exporter_link, "admin@exporter.example.test")
    _outlets(maker, live_server, tmp_path)

    with live_server.session() as session:
        manufacturer = session.scalar(
            sa.select(Organisation).where(Organisation.short_code == "GMC")
        )
    text = "LGDAB12C0SA000042"
    vin = text[:8] + check_digit(text) + text[9:]
    request_id = _request_as_exporter(exporter, manufacturer, vin, _certificate_scan(tmp_path))
    _checked(exporter)
    assert f"Request #{request_id} is submitted to the manufacturer." in exporter.inner_text("main")

    _approve_and_issue(maker, live_server, vin, tmp_path)
    letter_url = maker.url

    exporter.goto(f"{live_server.url}/requests/{request_id}")
    _checked(exporter)
    with exporter.expect_download() as info:
        exporter.get_by_role("link", name=re.compile("Download letter GMC-")).click()
    pdf = Path(info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    (code,) = zxingcpp.read_barcodes(render_page(pdf, 0), formats=zxingcpp.BarcodeFormat.QRCode)
    assert code.text.lower().startswith(live_server.url.lower())
    assert "GENUINE AND VALID" in _verdict(browser, code.text, tmp_path, "golden-verdict-valid")

    maker.goto(letter_url)
    maker.get_by_label("Reason for the revocation").fill("Vehicle not exported; sold at home.")
    confirmation = maker.get_by_label("I confirm: the letter is revoked for good")
    maker.get_by_role("button", name="Revoke this letter").click()
    # Unticked, the browser itself stops the form (the server refuses it too, tested apart).
    assert confirmation.evaluate("box => box.validity.valueMissing")
    assert maker.url == letter_url and "valid" in maker.get_by_role("heading", level=1).inner_text()
    confirmation.check()
    maker.get_by_role("button", name="Revoke this letter").click()
    _checked(maker)
    assert "is revoked." in maker.get_by_role("status").first.inner_text()
    assert "REVOKED" in _verdict(browser, code.text, tmp_path, "golden-verdict-revoked")
    for page in (admin, maker, exporter):
        page.context.close()
