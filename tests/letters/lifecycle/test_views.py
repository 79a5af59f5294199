"""The letters pages: issuing through the form and from a request, downloading, revoking,
superseding with a corrected letter, settings with a specimen, and starting a batch."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from portal.accounts.roles import Role
from portal.audit.models import AuditEntry
from portal.letters.batches.models import IssueJob
from portal.letters.lifecycle.models import Letter, LetterCounter, LetterStatus
from portal.letters.lifecycle.rendering import SPECIMEN_NUMBER
from portal.requests.models import RequestStatus


@pytest.fixture
def app_config(app_config):
    return {**app_config, "JOB_RUNNER": "external"}


def _form(issuing, **fields):
    order = issuing.order()
    data = {
        "brand_id": order.brand_id,
        "model": order.model,
        "vin": order.vin,
        "registration_date": order.registration_date.isoformat(),
        "transfer_registration_date": order.transfer_registration_date.isoformat(),
        "country": "DE",
        "exporter_name": order.exporter_name,
        "exporter_uscc": order.exporter_uscc,
        "fuel_type": "",
        "issue_key": "page-key-1",
    }
    data.update(fields)
    return data


def test_issuer_issues_through_the_form_once_even_if_sent_twice(issuing, login_as, session):
    client = login_as(issuing.issuer)
    data = _form(issuing)
    first = client.post("/letters/new", data=data)
    assert first.status_code == 302
    second = client.post("/letters/new", data=data)
    assert second.headers["Location"] == first.headers["Location"]
    assert session.scalar(sa.select(sa.func.count()).select_from(Letter)) == 1
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert data["vin"] in page


def test_form_errors_are_shown_and_nothing_is_issued(issuing, login_as, session):
    client = login_as(issuing.issuer)
    vin = _form(issuing)["vin"]
    wrong = vin[:8] + ("0" if vin[8] != "0" else "1") + vin[9:]
    page = client.post("/letters/new", data=_form(issuing, vin=wrong, issue_key="k2"))
    assert "check digit" in page.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Letter)) == 0
    assert issuing.stored_files() == []


def _rows(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_preview_shows_the_letter_the_form_would_give_and_issues_nothing(
    issuing, login_as, session
):
    client = login_as(issuing.issuer)
    data = _form(issuing, colour="Midnight Blue", preview="1")
    audit_before = _rows(session, AuditEntry)
    response = client.post("/letters/new", data=data)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert data["vin"] in text and "Midnight Blue" in text and SPECIMEN_NUMBER in text
    assert issuing.outlets[0].current.name_latin in text
    assert reader.get_fields() is None  # no signature field: it is not signed
    assert _rows(session, Letter) == 0
    assert _rows(session, LetterCounter) == 0  # no number taken
    assert _rows(session, AuditEntry) == audit_before
    assert issuing.stored_files() == []
    # The same form then issues the letter with the first number of the year.
    issued = client.post("/letters/new", data={k: v for k, v in data.items() if k != "preview"})
    assert issued.status_code == 302
    letter = session.scalar(sa.select(Letter))
    assert (letter.vin, letter.sequence) == (data["vin"], 1)


def test_preview_shows_the_same_errors_as_issuing(issuing, login_as, session):
    client = login_as(issuing.issuer)
    vin = _form(issuing)["vin"]
    wrong = vin[:8] + ("0" if vin[8] != "0" else "1") + vin[9:]
    page = client.post("/letters/new", data=_form(issuing, vin=wrong, preview="1"))
    assert page.mimetype == "text/html"
    assert "check digit" in page.get_data(as_text=True)
    missing = client.post("/letters/new", data=_form(issuing, model="", preview="1"))
    assert missing.mimetype == "text/html"
    assert "This field is required." in missing.get_data(as_text=True)
    assert _rows(session, Letter) == 0 and _rows(session, LetterCounter) == 0


def test_issue_from_an_approved_request_and_the_exporter_downloads_it(
    issuing, login_as, make, session
):
    request = make.letter_request(
        manufacturer=issuing.manufacturer,
        exporter=issuing.exporter,
        status=RequestStatus.APPROVED,
        country="DE",
    )
    issuer = login_as(issuing.issuer)
    response = issuer.post(f"/letters/from-request/{request.id}")
    assert response.status_code == 302
    session.refresh(request)
    assert request.status is RequestStatus.ISSUED
    letter = session.scalar(sa.select(Letter).where(Letter.request_id == request.id))
    exporter = login_as(make.user(Role.EXPORTER_USER, org=issuing.exporter))
    page = exporter.get(f"/requests/{request.id}").get_data(as_text=True)
    assert f"/letters/{letter.id}/pdf" in page
    pdf = exporter.get(f"/letters/{letter.id}/pdf")
    assert pdf.mimetype == "application/pdf"
    assert letter.vin in PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    again = issuer.post(f"/letters/from-request/{request.id}")  # no second letter
    assert again.status_code == 302
    assert session.scalar(sa.select(sa.func.count()).select_from(Letter)) == 1


def test_exporter_lists_only_its_own_letters(issuing, login_as, make, session):
    from portal.letters.lifecycle.issuance import issue_letter

    ours = issue_letter(session, issuing.order(), issuing.context())
    theirs = issue_letter(
        session, issuing.order(exporter_id=None, exporter_name="Other"), issuing.context()
    )
    exporter = login_as(make.user(Role.EXPORTER_ADMIN, org=issuing.exporter))
    page = exporter.get("/letters").get_data(as_text=True)
    assert ours.number in page and theirs.number not in page
    assert exporter.get(f"/letters/{theirs.id}").status_code == 404


def test_issuer_supersedes_a_letter_with_a_corrected_one(issuing, login_as, session):
    from portal.letters.lifecycle.issuance import issue_letter

    old = issue_letter(session, issuing.order(), issuing.context())
    client = login_as(issuing.issuer)
    form = client.get(f"/letters/{old.id}/supersede").get_data(as_text=True)
    assert f'value="{old.vin}"' in form and f'value="{old.model}"' in form
    data = _form(issuing, vin=old.vin, model="Seal 06 DM-i 2026", issue_key="correction-1")
    response = client.post(f"/letters/{old.id}/supersede", data=data)
    assert response.status_code == 302
    new = session.scalar(sa.select(Letter).where(Letter.supersedes_id == old.id))
    assert response.headers["Location"] == f"/letters/{new.id}"
    assert new.model == "Seal 06 DM-i 2026" and new.vin == old.vin
    session.refresh(old)
    assert old.status is LetterStatus.SUPERSEDED and old.superseded_by_id == new.id


def test_a_correction_with_another_vin_is_refused_and_nothing_is_issued(issuing, login_as, session):
    from portal.letters.lifecycle.issuance import issue_letter

    old = issue_letter(session, issuing.order(), issuing.context())
    files = issuing.stored_files()
    client = login_as(issuing.issuer)
    other_vin = issuing.make.vin(issuing.manufacturer)
    page = client.post(
        f"/letters/{old.id}/supersede", data=_form(issuing, vin=other_vin, issue_key="c-2")
    )
    assert page.status_code == 200
    assert f"A corrected letter keeps the VIN of the letter it replaces ({old.vin})." in (
        page.get_data(as_text=True)
    )
    assert session.scalar(sa.select(sa.func.count()).select_from(Letter)) == 1
    session.refresh(old)
    assert old.status is LetterStatus.ISSUED and old.superseded_by_id is None
    assert issuing.stored_files() == files


def test_revoke_through_the_page(issuing, login_as, session):
    from portal.letters.lifecycle.issuance import issue_letter

    letter = issue_letter(session, issuing.order(), issuing.context())
    client = login_as(issuing.issuer)
    assert client.post(f"/letters/{letter.id}/revoke", data={"reason": ""}).status_code == 400
    response = client.post(f"/letters/{letter.id}/revoke", data={"reason": "not exported"})
    assert response.status_code == 302
    session.refresh(letter)
    assert letter.status is LetterStatus.REVOKED
    viewer = login_as(Role.MANUFACTURER_VIEWER, org=issuing.manufacturer)
    assert viewer.post(f"/letters/{letter.id}/revoke", data={"reason": "x"}).status_code == 403


def test_settings_change_the_body_and_the_specimen_shows_it(issuing, login_as, session):
    admin = login_as(Role.MANUFACTURER_ADMIN, org=issuing.manufacturer)
    bad = admin.post(
        "/letters/settings", data={"body_zh": "{unknown}", "body_en": "x", "validity_days": 90}
    )
    assert "{unknown}" in bad.get_data(as_text=True)
    response = admin.post(
        "/letters/settings",
        data={
            "body_zh": "{manufacturer_name}确认为本车在{country_name}提供售后服务。",
            "body_en": "{manufacturer_name} confirms service in {country_name} (custom text).",
            "validity_days": 90,
        },
    )
    assert response.status_code == 302
    pdf = admin.get("/letters/settings/specimen.pdf")
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "(custom text)" in text.replace("\n", " ")
    assert "SPECIMEN" in text


def test_starting_a_batch_from_the_queue(issuing, login_as, make, session):
    requests = [
        make.letter_request(
            manufacturer=issuing.manufacturer,
            exporter=issuing.exporter,
            status=RequestStatus.APPROVED,
            country="DE",
        )
        for _ in range(3)
    ]
    client = login_as(issuing.issuer)
    response = client.post("/letters/jobs", data={"request_ids": [r.id for r in requests]})
    job_url = response.headers["Location"]
    job_id = int(re.search(r"/letters/jobs/(\d+)", job_url).group(1))
    assert session.get(IssueJob, job_id).total == 3
    progress = client.get(f"/letters/jobs/{job_id}/progress").get_json()
    assert progress == {"status": "queued", "total": 3, "issued": 0, "waiting": 0}
    assert "job-progress.js" in client.get(job_url).get_data(as_text=True)
