"""Letters in Chromium: an issuer issues approved requests as a batch, watches the progress
bar reach the end, and downloads the ZIP of signed PDFs with its manifest."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.accounts.roles import OrgKind, Role
from portal.letters.keys.authority import ensure_authority
from portal.requests.models import RequestStatus
from portal.signing import parse_master_key
from tests.browser.axe import assert_accessible
from tests.browser.conftest import sign_in
from tests.browser.screens import shoot
from tests.factories import Factories

pytestmark = pytest.mark.browser


def test_batch_issuance_with_progress_and_zip(page, live_server, live_make):
    make = live_make
    manufacturer = make.organisation(OrgKind.MANUFACTURER)
    make.outlet(manufacturer, country="KZ")
    exporter = make.organisation(OrgKind.EXPORTER)
    issuer = make.user(Role.MANUFACTURER_ISSUER, org=manufacturer)
    requests = [
        make.letter_request(
            manufacturer=manufacturer, exporter=exporter, status=RequestStatus.APPROVED
        )
        for _ in range(3)
    ]
    ensure_authority(make.session, parse_master_key(live_server.app.config["MASTER_KEY"]))
    make.session.commit()

    sign_in(page, live_server, issuer.email, Factories.PASSWORD)
    page.goto(f"{live_server.url}/review?status=approved")
    for request in requests:
        page.get_by_label(f"Select request #{request.id}").check()
    page.get_by_role("button", name="Issue letters for the selected approved requests").click()
    page.get_by_role("heading", name="Issue 3 letters?").wait_for()
    page.get_by_role("button", name="Confirm and issue 3 letters").click()
    page.wait_for_url("**/letters/jobs/*")
    download_link = page.get_by_role("link", name="Download the letters (ZIP with a CSV manifest)")
    download_link.wait_for(timeout=60_000)  # the page reloads itself when the batch ends
    assert page.locator("#job-bar").get_attribute("value") == "3"
    with page.expect_download() as info:
        download_link.click()
    archive = zipfile.ZipFile(io.BytesIO(Path(info.value.path()).read_bytes()))
    names = sorted(archive.namelist())
    assert names[-1] == "manifest.csv"
    pdfs = [name for name in names if name.endswith(".pdf")]
    assert pdfs == [
        f"{manufacturer.short_code}-{requests[0].created_at.year}-00000{n}.pdf" for n in (1, 2, 3)
    ]
    assert all(archive.read(name).startswith(b"%PDF") for name in pdfs)
    rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    assert {row["status"] for row in rows} == {"issued"}
    assert sorted(int(row["request_id"]) for row in rows) == sorted(r.id for r in requests)


OBSERVE_BAR = """() => {
  window.barValues = [];
  const bar = document.getElementById("job-bar");
  new MutationObserver(() => window.barValues.push(Number(bar.getAttribute("value"))))
    .observe(bar, { attributes: true, attributeFilter: ["value"] });
  const text = document.getElementById("job-count");
  window.texts = [];
  new MutationObserver(() => window.texts.push(text.textContent))
    .observe(text, { childList: true, characterData: true, subtree: true });
}"""


def test_batch_progress_moves_letter_by_letter_with_live_rows(
    page, live_server, live_make, tmp_path
):
    make = live_make
    manufacturer = make.organisation(OrgKind.MANUFACTURER)
    make.outlet(manufacturer, country="KZ")
    exporter = make.organisation(OrgKind.EXPORTER)
    issuer = make.user(Role.MANUFACTURER_ISSUER, org=manufacturer)
    count = 12
    for _ in range(count):
        make.letter_request(
            manufacturer=manufacturer, exporter=exporter, status=RequestStatus.APPROVED
        )
    ensure_authority(make.session, parse_master_key(live_server.app.config["MASTER_KEY"]))
    make.session.commit()

    sign_in(page, live_server, issuer.email, Factories.PASSWORD)
    page.goto(f"{live_server.url}/review?status=approved")
    page.get_by_label("Select all requests on this page").check()
    assert page.locator("input.row-select:checked").count() == count
    assert page.locator("#selected-count").inner_text() == f"{count} selected"
    assert_accessible(page)
    shoot(page, tmp_path, "review-queue-approved")
    page.get_by_role("button", name="Issue letters for the selected approved requests").click()
    page.get_by_role("heading", name=f"Issue {count} letters?").wait_for()
    assert page.get_by_role("img", name=re.compile("Page 1 of")).first.is_visible()
    assert_accessible(page)
    shoot(page, tmp_path, "batch-confirm")
    page.get_by_role("button", name=f"Confirm and issue {count} letters").click()
    page.wait_for_url("**/letters/jobs/*")
    page.evaluate(OBSERVE_BAR)
    link = page.get_by_role("link", name="Download the letters (ZIP with a CSV manifest)")
    middle = page.locator("td.state .badge.green")
    middle.first.wait_for(timeout=120_000)  # a row turns "issued" without a reload
    if page.locator("#job-eta").count():
        shoot(page, tmp_path, "batch-progress", phone=False)
    values = page.evaluate("() => window.barValues")
    texts = page.evaluate("() => window.texts")
    link.wait_for(timeout=180_000)  # the page reloads itself when the batch ends
    assert [v for v in values if 0 < v < count], (values, texts)
    assert values == sorted(values)
    assert any(re.search(r"\(\d{1,2} %\)", text) for text in texts), texts
    assert page.locator("#job-bar").get_attribute("value") == str(count)
    assert f"{count} of {count} issued (100 %)" in page.locator("#job-count").inner_text()
    assert page.locator("td.state .badge.green").count() == count
    assert_accessible(page)
    shoot(page, tmp_path, "batch-done")


def test_letter_settings_show_the_seal_and_a_live_specimen(page, live_server, live_make, tmp_path):
    admin = live_make.user(Role.MANUFACTURER_ADMIN)
    live_make.outlet(admin.organisation, country="KZ")
    live_make.session.commit()
    sign_in(page, live_server, admin.email, Factories.PASSWORD)
    page.goto(f"{live_server.url}/letters/settings")
    assert page.get_by_role("img", name="The seal the next letters carry").is_visible()
    editor = page.get_by_label("Letter body in English")
    assert editor.bounding_box()["height"] >= 300  # the legal text is seen whole
    specimen = page.get_by_role("img", name="Specimen letter, page 1")
    before = specimen.get_attribute("src")
    editor.fill("{manufacturer_name} confirms after-sales service in {country_name}. " * 12)
    state = page.locator("#specimen-state")
    expect(state).to_have_text("The specimen shows the text as typed.", timeout=60_000)
    assert specimen.get_attribute("src") != before
    assert_accessible(page)
    shoot(page, tmp_path, "settings-live-specimen")
