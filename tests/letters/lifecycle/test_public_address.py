"""The address on every letter: outside debug and test runs nothing is issued until
PORTAL_PUBLIC_BASE_URL is set, and the letter settings page shows the address letters carry."""

from __future__ import annotations

import html

import pytest
import sqlalchemy as sa
import zxingcpp

from portal.letters.lifecycle.models import Letter
from tests.letters.lifecycle.test_views import _form
from tests.letters.pdfcheck import render_page


@pytest.fixture
def app_config(app_config):
    # As in production: neither debug nor testing, and no address configured.
    return {**app_config, "TESTING": False, "PUBLIC_BASE_URL": None, "JOB_RUNNER": "external"}


def test_no_letter_is_issued_until_the_public_address_is_set(issuing, login_as, session, app):
    client = login_as(issuing.issuer)
    page = html.unescape(client.post("/letters/new", data=_form(issuing)).get_data(as_text=True))
    assert "PORTAL_PUBLIC_BASE_URL" in page and "No letter can be issued yet" in page
    assert session.scalar(sa.select(sa.func.count()).select_from(Letter)) == 0
    settings = html.unescape(client.get("/letters/settings").get_data(as_text=True))
    assert "no letter can be issued yet" in settings

    app.config["PUBLIC_BASE_URL"] = "https://portal.example.cn"
    assert client.post("/letters/new", data=_form(issuing)).status_code == 302
    (letter,) = session.scalars(sa.select(Letter))
    pdf = issuing.store.get(letter.pdf_key)
    (code,) = zxingcpp.read_barcodes(render_page(pdf, 0), formats=zxingcpp.BarcodeFormat.QRCode)
    assert code.text == f"HTTPS://PORTAL.EXAMPLE.CN/V/{letter.token}"
    settings = html.unescape(client.get("/letters/settings").get_data(as_text=True))
    assert "https://portal.example.cn/V/…" in settings
    assert "years" in settings and "must stay reachable" in settings
