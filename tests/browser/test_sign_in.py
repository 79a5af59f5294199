"""Signing in through the real page in Chromium."""

from __future__ import annotations

import pytest

from portal.accounts.roles import Role
from tests.browser.conftest import sign_in
from tests.factories import Factories

pytestmark = pytest.mark.browser


def test_manufacturer_admin_signs_in_and_sees_their_home(page, live_server, live_make, tmp_path):
    user = live_make.user(Role.MANUFACTURER_ADMIN)
    live_make.session.commit()
    sign_in(page, live_server, user.email, Factories.PASSWORD)
    assert page.url == f"{live_server.url}/"
    assert page.get_by_role("heading", level=1).inner_text() == user.organisation.display_name
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Users").is_visible()
    assert nav.get_by_role("link", name="Organisations").count() == 0
    # The stylesheet really applies: the header is laid out as a flex row.
    assert page.eval_on_selector(".topbar", "e => getComputedStyle(e).display") == "flex"
    page.screenshot(path=str(tmp_path / "home.png"), full_page=True)


def test_wrong_password_shows_the_error_on_the_page(page, live_server, live_make):
    user = live_make.user(Role.EXPORTER_USER)
    live_make.session.commit()
    sign_in(page, live_server, user.email, "not the password")
    assert page.get_by_role("alert").inner_text().strip() == (
        "The email address or the password is not right."
    )


def test_platform_admin_lands_on_the_platform_home_in_chinese(browser, live_server, live_make):
    user = live_make.user(Role.PLATFORM_ADMIN)
    live_make.session.commit()
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/login")
    page.get_by_label("电子邮箱").fill(user.email)
    page.get_by_label("密码").fill(Factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "平台"
    page.get_by_role("navigation").get_by_role("link", name="机构").click()
    page.wait_for_url(f"{live_server.url}/organisations")
    assert page.get_by_role("heading", level=1).inner_text() == "机构"
    context.close()
