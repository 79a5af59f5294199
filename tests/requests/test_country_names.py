"""Every country picker of the Chinese interface names countries in Chinese (CLDR), and the
verification pages and API name them in the reader's language."""

from __future__ import annotations

import html

from portal.accounts.roles import Role


def _chinese(client):
    client.get("/language/zh_Hans")
    return client


def test_the_chinese_pickers_name_countries_in_chinese(world, login_as, make):
    exporter = _chinese(world.exporter_client)
    destinations = exporter.get(f"/requests/new?manufacturer={world.manufacturer.id}")
    assert "哈萨克斯坦 (KZ)" in destinations.get_data(as_text=True)
    issuer = _chinese(world.issuer_client)
    review = html.unescape(issuer.get("/review").get_data(as_text=True))
    assert '<option value="KZ">哈萨克斯坦 (KZ)</option>' in review
    assert '<option value="DE">德国 (DE)</option>' in review
    admin = _chinese(login_as(Role.MANUFACTURER_ADMIN, org=world.manufacturer))
    outlet_form = html.unescape(admin.get("/outlets/new").get_data(as_text=True))
    assert "乌兹别克斯坦 (UZ)" in outlet_form and "Uzbekistan" not in outlet_form
    issue_form = html.unescape(admin.get("/letters/new").get_data(as_text=True))
    assert "哈萨克斯坦 (KZ)" in issue_form and "Kazakhstan" not in issue_form


def test_the_review_filter_by_country_still_filters(world):
    page = world.issuer_client.get("/review?status=&country=KZ").get_data(as_text=True)
    assert "Kazakhstan (KZ)" in page
