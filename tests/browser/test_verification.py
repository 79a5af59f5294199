"""Verification in Chromium, as a licensing officer on a phone: the QR code read from the
printed letter opens a large verdict; the PDF upload and the number-and-code check give the
same answer; the page switches to Arabic, right to left."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import zxingcpp

from portal.accounts.roles import OrgKind, Role
from portal.letters.lifecycle.context import issuance_context
from portal.letters.lifecycle.issuance import issue_letter
from portal.storage import FileStorage
from tests.letters.pdfcheck import render_page

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def _issue_in_thread(live_server, live_make):
    """Issues a letter on the live server's database. In a thread of its own: the PDF
    signature runs an event loop, which Playwright's running loop forbids in this one."""
    make = live_make
    manufacturer = make.organisation(OrgKind.MANUFACTURER)
    make.outlet(manufacturer, country="KZ")
    exporter = make.organisation(OrgKind.EXPORTER)
    issuer = make.user(Role.MANUFACTURER_ISSUER, org=manufacturer)
    make.session.commit()
    app = live_server.app
    app.config["PUBLIC_BASE_URL"] = live_server.url
    made = {}

    def issue() -> None:
        with app.app_context():
            session = app.extensions["portal_db"].session()
            order = make.letter_order(manufacturer, country="KZ", exporter=exporter)
            letter = issue_letter(session, order, issuance_context(app, session.merge(issuer)))
            session.commit()
            store = FileStorage(app.config["STORAGE_DIR"])
            made.update(number=letter.number, code=letter.short_code, vin=letter.vin)
            made["pdf"] = store.get(letter.pdf_key)
            session.close()

    worker = threading.Thread(target=issue)
    worker.start()
    worker.join(timeout=120)
    return made


def test_an_officer_verifies_a_letter_three_ways(browser, live_server, live_make, tmp_path: Path):
    letter = _issue_in_thread(live_server, live_make)
    (code,) = zxingcpp.read_barcodes(
        render_page(letter["pdf"], 0), formats=zxingcpp.BarcodeFormat.QRCode
    )
    context = browser.new_context(locale="en-GB", viewport=PHONE)
    page = context.new_page()

    page.goto(code.text)  # the URL as the phone's camera read it, upper case
    banner = page.locator(".verdict")
    assert banner.get_attribute("data-verdict") == "valid"
    assert "genuine and valid" in banner.inner_text().lower()  # shown in capitals
    assert letter["vin"] in page.inner_text("main")
    box = banner.bounding_box()
    assert box is not None and box["width"] <= PHONE["width"] and box["y"] < 200
    page.screenshot(path=str(tmp_path / "verdict.png"), full_page=True)

    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(letter["pdf"])
    page.goto(f"{live_server.url}/verify")
    page.get_by_label("The letter's PDF file").set_input_files(str(pdf))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_load_state()
    assert page.locator(".verdict").get_attribute("data-verdict") == "valid"
    assert "byte for byte" in page.inner_text("main")

    page.goto(f"{live_server.url}/verify")
    page.get_by_label("Letter number").fill(letter["number"].lower())
    page.get_by_label("Verification code").fill(letter["code"])
    page.get_by_role("button", name="Check the letter").click()
    page.wait_for_load_state()
    assert page.locator(".verdict").get_attribute("data-verdict") == "valid"

    page.get_by_role("link", name="العربية").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "أصلية وسارية" in page.locator(".verdict").inner_text()
    context.close()
