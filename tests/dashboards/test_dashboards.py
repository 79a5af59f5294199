"""Each role's home page counts what the database holds, for its own organisation only, and
each number links to the list it counts (which shows that many rows)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.accounts.roles import OrgKind, Role
from portal.clock import today_in_china
from portal.db import utcnow
from portal.letters.lifecycle.models import Letter
from portal.requests.models import LetterRequest
from portal.requests.states import RequestStatus
from portal.verification.models import Channel, VerificationScan
from tests.intruder import triggers_off


def _stats(html: str) -> dict[str, tuple[str, str | None]]:
    """Returns {label: (number, link)} of the dashboard's figures."""
    found = {}
    for match in re.finditer(
        r'<(?:a|div) class="card stat[^"]*"(?: href="([^"]*)")?>\s*'
        r'<span class="stat-number">(\d+)</span>\s*<span class="stat-label">([^<]+)</span>',
        html,
    ):
        href, number, label = match.groups()
        found[label] = (number, href.replace("&amp;", "&") if href else None)
    return found


@pytest.fixture
def busy(make, session):
    """Two manufacturers and two exporters with requests, letters and checks of each."""
    m, other_m = make.organisation(OrgKind.MANUFACTURER), make.organisation(OrgKind.MANUFACTURER)
    e, other_e = make.organisation(OrgKind.EXPORTER), make.organisation(OrgKind.EXPORTER)
    for org in (m, other_m):
        make.outlet(org, country="KZ")
    issuer = make.user(Role.MANUFACTURER_ISSUER, org=m)
    other_issuer = make.user(Role.MANUFACTURER_ISSUER, org=other_m)
    now = utcnow()
    for days in (0, 1, 4, 10, 10):
        make.letter_request(manufacturer=m, exporter=e, submitted_at=now - timedelta(days=days))
    make.letter_request(manufacturer=m, exporter=e, status=RequestStatus.DRAFT)
    make.letter_request(manufacturer=m, exporter=e, status=RequestStatus.REJECTED)
    make.letter_request(manufacturer=other_m, exporter=other_e)
    letters = [make.issued_request(manufacturer=m, exporter=e, actor=issuer)[1] for _ in range(3)]
    make.issued_request(manufacturer=other_m, exporter=other_e, actor=other_issuer)
    for n, letter in enumerate(letters):
        for _ in range(n + 1):
            session.add(
                VerificationScan(
                    channel=Channel.QR,
                    verdict="valid",
                    letter_id=letter.id,
                    manufacturer_id=m.id,
                    country="KZ" if n else "RU",
                )
            )
    session.add(VerificationScan(channel=Channel.CODE, verdict="not_genuine", manufacturer_id=m.id))
    session.flush()
    return {"m": m, "e": e, "letters": letters}


def test_the_issuers_home_counts_their_requests_letters_and_checks(busy, login_as, session):
    client = login_as(Role.MANUFACTURER_ISSUER, org=busy["m"])
    html = client.get("/").get_data(as_text=True)
    stats = _stats(html)
    waiting = session.scalar(
        sa.select(sa.func.count()).where(
            LetterRequest.manufacturer_id == busy["m"].id,
            LetterRequest.status == RequestStatus.SUBMITTED,
        )
    )
    assert stats["Requests waiting for a decision"][0] == str(waiting) == "5"
    assert stats["Letters valid today"][0] == "3"
    assert stats["Letters issued in 12 weeks"][0] == "3"
    assert stats["Verifications in 12 weeks"][0] == "7"  # 1 + 2 + 3 + the refused check
    assert stats["Checks refused as not genuine"][0] == "1"
    # The ages: today, 1-2 days, 3-6 days, a week or more.
    for label, n in (("Today", 1), ("1–2 days", 1), ("3–6 days", 1), ("7 days or more", 2)):
        assert re.search(rf"<title>{label}: {n}</title>", html), label
    # The numbers link to their lists, which show as many.
    href = stats["Requests waiting for a decision"][1]
    queue = client.get(href).get_data(as_text=True)
    assert "5 request" in queue or "5 of" in queue or queue.count("/review/") >= 5
    letters_page = client.get(stats["Letters valid today"][1]).get_data(as_text=True)
    assert "3 letter(s)." in letters_page
    week = re.search(r'<a href="(/letters\?week=[^"]+)" aria-label="Week of [^:]+: 3 letter', html)
    assert week, "this week's bar links to the letters of the week"
    assert "3 letter(s)." in client.get(week.group(1).replace("&amp;", "&")).get_data(as_text=True)


def test_the_exporters_home_counts_by_status_and_links_to_the_lists(busy, login_as):
    client = login_as(Role.EXPORTER_USER, org=busy["e"])
    html = client.get("/").get_data(as_text=True)
    stats = _stats(html)
    assert stats["Waiting for the manufacturer"] == ("5", "/requests?status=submitted")
    assert stats["Drafts not yet submitted"][0] == "1"
    assert stats["Rejected"][0] == "1"
    assert stats["Letters ready to download"] == ("3", "/letters?standing=valid")
    assert 'href="/requests/new"' in html
    listing = client.get("/requests?status=submitted").get_data(as_text=True)
    assert "5 request(s)." in listing


def test_the_manufacturer_admin_sees_coverage_and_users(busy, make, login_as):
    make.letter_request(manufacturer=busy["m"], exporter=busy["e"], country="UZ")
    client = login_as(Role.MANUFACTURER_ADMIN, org=busy["m"])
    html = client.get("/").get_data(as_text=True)
    assert "Coverage" in html
    uz = re.search(r'<tr class="missing">.*?\(UZ\).*?</tr>', html, re.S)
    assert uz and "none" in uz.group(0), "a country requested without outlets stands out"
    assert re.search(r'data-role="manufacturer_issuer">1<', html)
    assert re.search(r'data-role="manufacturer_admin">1<', html)


def test_the_platform_admin_counts_everything(busy, login_as, session):
    client = login_as(Role.PLATFORM_ADMIN)
    stats = _stats(client.get("/").get_data(as_text=True))
    letters = session.scalar(sa.select(sa.func.count(Letter.id)))
    assert stats["Letters issued"][0] == str(letters) == "4"
    assert stats["Verifications"][0] == "7"
    assert stats["Failed checks in 30 days"][0] == "1"
    manufacturers = session.scalar(
        sa.select(sa.func.count()).select_from(
            sa.text("organisation WHERE kind = 'manufacturer' AND is_active")
        )
    )
    assert stats["Manufacturers"][0] == str(manufacturers)


def test_letters_expiring_soon_are_counted_and_listed(busy, login_as, session):
    today = today_in_china()
    letter = busy["letters"][0]
    # A letter of short validity, arranged directly (PostgreSQL's triggers guard that column).
    with triggers_off(session):
        session.execute(
            sa.update(Letter)
            .where(Letter.id == letter.id)
            .values(valid_until=today + timedelta(10))
        )
    client = login_as(Role.MANUFACTURER_VIEWER, org=busy["m"])
    stats = _stats(client.get("/").get_data(as_text=True))
    assert stats["Letters expiring within 30 days"] == (
        "1",
        "/letters?standing=valid&expiring=30",
    )
    page = client.get("/letters?standing=valid&expiring=30").get_data(as_text=True)
    assert "1 letter(s)." in page and letter.number in page
