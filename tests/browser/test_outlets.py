"""The outlet directory in Chromium, CSRF on: create through the form, import a CSV,
deactivate, and read the public directory."""

from __future__ import annotations

import pytest

from portal.accounts.roles import Role
from portal.outlets.csv_io import write_csv
from tests.browser.conftest import sign_in
from tests.factories import Factories

pytestmark = pytest.mark.browser


def test_issuer_builds_the_directory(page, live_server, live_make, tmp_path):
    user = live_make.user(Role.MANUFACTURER_ISSUER)
    org = user.organisation
    org.outlet_directory_public = True
    live_make.session.commit()
    brand = org.brands[0].name
    sign_in(page, live_server, user.email, Factories.PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Outlets").click()
    page.get_by_role("link", name="New outlet").click()

    page.get_by_label("Outlet code").fill("de-ber-01")
    page.get_by_label("Country").select_option("DE")
    page.get_by_label("Name (local script)").fill("Autohaus Mitte")
    page.get_by_label("Name (Latin letters)").fill("Autohaus Mitte")
    page.get_by_label("City").fill("Berlin")
    page.get_by_label("Address").fill("Invalidenstraße 1")
    page.get_by_label("Phone").fill("030 1234567")
    page.get_by_label("Warranty claims").check()
    page.get_by_label(brand, exact=True).check()
    page.get_by_label("Active from").fill("2026-01-01")
    page.screenshot(path=str(tmp_path / "outlet-form.png"), full_page=True)
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert "Outlet DE-BER-01 is created." in page.get_by_role("status").inner_text()
    assert "+49301234567" in page.content()

    csv_file = tmp_path / "outlets.csv"
    csv_file.write_bytes(
        write_csv(
            [
                {
                    "outlet_code": "FR-1",
                    "country": "FR",
                    "city": "Lyon",
                    "name_local": "Garage Un",
                    "name_latin": "Garage Un",
                    "address": "1 rue de la République",
                    "phone": "04 78 12 34 56",
                    "service_types": "repair",
                    "brands": brand,
                    "active_from": "2026-01-01",
                }
            ]
        )
    )
    page.goto(f"{live_server.url}/outlets/import")
    page.get_by_label("CSV file (UTF-8)").set_input_files(str(csv_file))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_load_state()
    page.screenshot(path=str(tmp_path / "import-preview.png"), full_page=True)
    page.get_by_role("button", name="Apply the import").click()
    page.wait_for_load_state()
    assert "1 created, 0 updated, 0 unchanged" in page.get_by_role("status").inner_text()
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)

    page.get_by_role("link", name="France (FR)").click()
    page.get_by_role("link", name="FR-1").click()
    page.get_by_role("button", name="Deactivate").click()
    page.wait_for_load_state()
    assert "The outlet serves until" in page.get_by_role("status").inner_text()
    page.screenshot(path=str(tmp_path / "detail.png"), full_page=True)

    page.goto(f"{live_server.url}/directory/{org.short_code}")
    assert page.get_by_role("link", name="Germany (DE)").is_visible()
    assert page.get_by_role("link", name="France (FR)").count() == 0
