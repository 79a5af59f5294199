"""Two-factor sign-in in Chromium: an issuer is sent to enrol, scans the QR code (decoded
here with zxing-cpp), confirms, keeps the recovery codes, signs in with a code, has a used
code refused, and uses a recovery code exactly once; an exporter is not forced."""

from __future__ import annotations

import io
import time

import pyotp
import pytest
import zxingcpp
from PIL import Image

from portal.accounts.roles import Role
from tests.browser.conftest import fresh_code
from tests.factories import Factories

pytestmark = pytest.mark.browser
CODE_LABEL = "Code from your authenticator app"


def _password(page, server, email: str) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(Factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def _code(page, code: str) -> None:
    page.get_by_label(CODE_LABEL).fill(code)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def test_issuer_enrols_signs_in_and_no_code_works_twice(page, live_server, live_make, tmp_path):
    issuer = live_make.user(Role.MANUFACTURER_ISSUER, totp_secret=None, two_factor_since=None)
    live_make.session.commit()
    _password(page, live_server, issuer.email)
    page.goto(f"{live_server.url}/letters")  # anything else: enrol first
    assert page.url == f"{live_server.url}/account/two-factor"
    assert page.get_by_text("Your role requires two-factor sign-in").first.is_visible()
    secret = page.get_by_test_id("totp-secret").input_value()
    qr = page.get_by_role("img", name="QR code to add the Portal to an authenticator app")
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))
    assert decoded and decoded[0].text.startswith("otpauth://totp/")
    assert f"secret={secret}" in decoded[0].text
    for width, height, name in ((390, 844, "phone"), (1280, 900, "desktop")):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(tmp_path / f"enrol-{name}.png"), full_page=True)

    enrol_code = pyotp.TOTP(secret).now()
    page.get_by_label("6-digit code the app shows now").fill(enrol_code)
    page.get_by_role("button", name="Confirm").click()
    codes = page.get_by_test_id("recovery-codes").locator("li").all_inner_texts()
    assert len(codes) == 10
    page.screenshot(path=str(tmp_path / "recovery-codes.png"), full_page=True)
    page.get_by_role("link", name="I have kept them, continue").click()
    assert page.url == f"{live_server.url}/"
    _sign_out(page)

    # The password alone opens nothing; the code used to enrol is refused; the next one works.
    _password(page, live_server, issuer.email)
    assert page.url == f"{live_server.url}/login/code"
    _code(page, enrol_code)
    assert "used already" in page.get_by_role("alert").inner_text()
    _code(page, pyotp.TOTP(secret).at(time.time() + 30))
    assert page.url == f"{live_server.url}/"
    _sign_out(page)

    # A recovery code works once.
    _password(page, live_server, issuer.email)
    _code(page, codes[0])
    assert page.url == f"{live_server.url}/"
    assert "9 are left" in page.get_by_role("status").first.inner_text()
    _sign_out(page)
    _password(page, live_server, issuer.email)
    _code(page, codes[0])
    assert page.url == f"{live_server.url}/login/code"
    assert "not right" in page.get_by_role("alert").inner_text()


def test_an_exporter_is_not_forced_and_an_admin_resets_an_issuer(page, live_server, live_make):
    exporter = live_make.user(Role.EXPORTER_USER)
    admin = live_make.user(Role.MANUFACTURER_ADMIN)
    issuer = live_make.user(Role.MANUFACTURER_ISSUER, org=admin.organisation)
    live_make.session.commit()
    _password(page, live_server, exporter.email)
    assert page.url == f"{live_server.url}/"  # no code asked, nothing forced
    page.get_by_role("link", name="Two-factor").click()
    assert page.get_by_text("Optional for your role").is_visible()
    _sign_out(page)

    _password(page, live_server, admin.email)
    _code(page, fresh_code(live_server, admin.email))
    page.goto(f"{live_server.url}/users")
    row = page.get_by_role("row").filter(has_text=issuer.email)
    row.get_by_role("button", name="Reset two-factor").click()
    page.wait_for_load_state()
    assert "is reset" in page.get_by_role("status").first.inner_text()
    _sign_out(page)
    _password(page, live_server, issuer.email)  # must enrol anew: no code step
    page.goto(f"{live_server.url}/letters")
    assert page.url == f"{live_server.url}/account/two-factor"
