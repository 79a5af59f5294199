"""Letters in Chromium: an issuer issues approved requests as a batch, watches the progress
bar reach the end, and downloads the ZIP of signed PDFs with its manifest."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from portal.accounts.roles import OrgKind, Role
from portal.letters.keys.authority import ensure_authority
from portal.requests.models import RequestStatus
from portal.signing import parse_master_key
from tests.browser.conftest import sign_in
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
    rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
    assert {row["status"] for row in rows} == {"issued"}
    assert sorted(int(row["request_id"]) for row in rows) == sorted(r.id for r in requests)
