"""Each role's home page in Chromium, at desktop and phone sizes: the figures shown equal
the database's counts, a figure's link opens the list it counts, nothing scrolls sideways on
a 390 px phone, and the exporter's header counts unread notices. Screenshots are written to
PORTAL_SCREENSHOTS (a folder) when set, else to the test's temporary folder."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser

from portal.accounts.roles import OrgKind, Role
from portal.db import utcnow
from portal.letters.lifecycle.models import Letter, LetterStatus
from portal.letters.lifecycle.service import revoke_letter
from portal.requests.models import LetterRequest
from portal.requests.states import RequestStatus
from portal.signing import parse_master_key
from portal.verification.models import Channel, VerificationScan
from tests.browser.conftest import LiveServer, sign_in
from tests.factories import Factories

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


def _world(server: LiveServer, make: Factories) -> dict:
    with server.app.app_context():
        m = make.organisation(OrgKind.MANUFACTURER, name_en="Huaxia Motors", name_zh="华夏汽车")
        e = make.organisation(OrgKind.EXPORTER, name_en="Yuanhang Trading", name_zh="远航贸易")
        for country in ("KZ", "KZ", "RU", "UZ"):
            make.outlet(m, country=country)
        users = {
            role: make.user(role, org=org)
            for role, org in (
                (Role.MANUFACTURER_ADMIN, m),
                (Role.MANUFACTURER_ISSUER, m),
                (Role.EXPORTER_USER, e),
            )
        }
        users[Role.PLATFORM_ADMIN] = make.user(Role.PLATFORM_ADMIN)
        issuer, clerk = users[Role.MANUFACTURER_ISSUER], users[Role.EXPORTER_USER]
        now = utcnow()
        for days in (0, 0, 1, 2, 4, 9, 15):
            make.letter_request(
                manufacturer=m, exporter=e, created_by=clerk, submitted_at=now - timedelta(days)
            )
        make.letter_request(manufacturer=m, exporter=e, created_by=clerk, country="GE")
        make.letter_request(
            manufacturer=m, exporter=e, created_by=clerk, status=RequestStatus.DRAFT
        )
        make.letter_request(
            manufacturer=m,
            exporter=e,
            created_by=clerk,
            status=RequestStatus.REJECTED,
            rejection_reason="The VIN is not one of ours.",
        )
        letters = [
            make.issued_request(
                manufacturer=m, exporter=e, actor=issuer, created_by=clerk, country=c
            )[1]
            for c in ("KZ", "KZ", "RU", "UZ", "KZ")
        ]
        revoke_letter(
            make.session,
            letters[-1],
            reason="Sold at home.",
            actor=issuer,
            master_key=parse_master_key(server.app.config["MASTER_KEY"]),
        )
        for n, (letter, country) in enumerate(
            zip(letters, ("KZ", "RU", "RU", "UZ", "KZ"), strict=True)
        ):
            for k in range(n + 1):
                make.session.add(
                    VerificationScan(
                        channel=Channel.QR,
                        verdict="valid",
                        letter_id=letter.id,
                        manufacturer_id=m.id,
                        country=country,
                        at=now - timedelta(days=7 * k),
                    )
                )
        make.session.add(
            VerificationScan(channel=Channel.CODE, verdict="not_genuine", manufacturer_id=m.id)
        )
        make.session.commit()
    return {"m": m, "e": e, "users": users}


def _count(session, query) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0


def _figures(page) -> dict[str, int]:
    return {
        stat.locator(".stat-label").inner_text(): int(stat.locator(".stat-number").inner_text())
        for stat in page.locator(".stat").all()
    }


def _shots(page, server, name: str, folder: Path) -> None:
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{server.url}/")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways at {width} px"
        page.screenshot(path=str(folder / f"dashboard-{name}-{size}.png"), full_page=True)


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("PORTAL_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_every_roles_home_shows_the_databases_counts(
    browser: Browser, live_server: LiveServer, live_make: Factories, shots: Path
):
    # Sealing runs pyHanko's own event loop: not in this thread, where Playwright's runs.
    with ThreadPoolExecutor(1) as pool:
        world = pool.submit(_world, live_server, live_make).result()
    m, e = world["m"], world["e"]
    db = live_server.session()
    valid = sa.select(Letter).where(
        Letter.status == LetterStatus.ISSUED, Letter.valid_until >= sa.func.current_date()
    )
    submitted_to_m = sa.select(LetterRequest).where(
        LetterRequest.manufacturer_id == m.id, LetterRequest.status == RequestStatus.SUBMITTED
    )
    checks_of_m = sa.select(VerificationScan).where(VerificationScan.manufacturer_id == m.id)

    def page_for(role):
        context = browser.new_context(locale="en-GB")
        page = context.new_page()
        sign_in(page, live_server, world["users"][role].email, Factories.PASSWORD)
        return context, page

    # The issuer's side (the manufacturer administrator sees the same and more).
    context, page = page_for(Role.MANUFACTURER_ADMIN)
    figures = _figures(page)
    assert figures["Requests waiting for a decision"] == _count(db, submitted_to_m) == 8
    assert figures["Letters valid today"] == _count(db, valid.where(Letter.manufacturer_id == m.id))
    assert figures["Letters valid today"] == 4
    assert figures["Verifications in 12 weeks"] == _count(db, checks_of_m) == 16
    assert figures["Checks refused as not genuine"] == 1
    assert page.get_by_role("heading", name="Coverage").is_visible()
    georgia = page.locator("tr.missing", has_text="(GE)")
    assert georgia.is_visible(), "Georgia is requested but has no outlet"
    page.locator(".stat", has_text="Requests waiting for a decision").click()
    page.wait_for_url("**/review?**")
    assert page.locator("tbody tr").count() >= 8
    _shots(page, live_server, "manufacturer-admin", shots)
    context.close()

    # The exporter's side: numbers, the New request button, the unread notices.
    context, page = page_for(Role.EXPORTER_USER)
    figures = _figures(page)
    mine = sa.select(LetterRequest).where(LetterRequest.exporter_id == e.id)
    assert figures["Waiting for the manufacturer"] == _count(
        db, mine.where(LetterRequest.status == RequestStatus.SUBMITTED)
    )
    assert figures["Rejected"] == 1
    assert figures["Letters ready to download"] == _count(
        db, valid.where(Letter.exporter_id == e.id)
    )
    assert figures["Letters revoked"] == 1
    assert page.get_by_role("link", name="New request").first.is_visible()
    # Five letters ready and one revoked (the rejection was written directly, no notice).
    assert page.locator(".notices-link .badge").inner_text() == "6"
    page.locator(".stat", has_text="Letters ready to download").click()
    page.wait_for_url("**/letters?standing=valid")
    assert page.locator("#list-summary").inner_text().startswith("4 letter(s).")
    _shots(page, live_server, "exporter", shots)
    page.goto(f"{live_server.url}/requests")
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    ), "the request list fits a 390 px phone"
    page.screenshot(path=str(shots / "requests-exporter-phone.png"), full_page=True)
    page.goto(f"{live_server.url}/notifications")
    assert page.locator(".notice").count() == 6
    assert page.locator(".notices-link .badge").count() == 0  # read now
    context.close()

    # The platform administrator.
    context, page = page_for(Role.PLATFORM_ADMIN)
    figures = _figures(page)
    assert figures["Letters issued"] == _count(db, sa.select(Letter)) == 5
    assert figures["Verifications"] == _count(db, sa.select(VerificationScan)) == 16
    assert figures["Failed checks in 30 days"] == 1
    _shots(page, live_server, "platform", shots)
    context.close()
    db.close()
