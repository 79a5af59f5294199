"""Every verdict page in every language fits a phone: at 320, 360 and 390 px nothing scrolls
sideways (the verdict word wraps or scales, long values wrap), in Chromium."""

from __future__ import annotations

import os
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from portal.db import utcnow
from portal.letters.lifecycle.issuance import issue_letter
from portal.letters.lifecycle.service import revoke_letter
from portal.verification import consistency
from tests.factories import Factories
from tests.letters.conftest import Issuing
from tests.verification.conftest import flip_bit

pytestmark = pytest.mark.browser
WIDTHS = (320, 360, 390)
LANGUAGES = {
    "en": ("en-GB", "en"),
    "zh_Hans": ("zh-CN", "zh-Hans"),
    "ru": ("ru-RU", "ru"),
    "es": ("es-ES", "es"),
    "fr": ("fr-FR", "fr"),
    "ar": ("ar-EG", "ar"),
    "kk": ("kk-KZ", "kk"),
    "uz": ("uz-UZ", "uz"),
}
# Where the screenshots of the phone pages go, to be looked at (kept after the run if set).
SHOTS = os.environ.get("PORTAL_SCREENSHOTS")


def _letters_in_every_state(live_server, tmp_path: Path) -> dict[str, object]:
    """Issues letters on the live server's database, in a thread of its own (the PDF
    signature runs an event loop, which Playwright's running loop forbids in this one)."""
    made: dict[str, object] = {}

    def issue() -> None:
        app = live_server.app
        with app.app_context():
            session = app.extensions["portal_db"].session()
            issuing = Issuing(app, Factories(session), tmp_path)
            long_exporter = "Общество с ограниченной ответственностью «Экспорт-Импорт Автомобилей»"

            def one(**fields):
                context = fields.pop("context", {})
                order = issuing.order(exporter_name=long_exporter, **fields)
                return issue_letter(session, order, issuing.context(**context))

            made["valid"] = one()
            made["revoked"] = one()
            revoke_letter(
                session,
                made["revoked"],
                reason="Vehicle sold at home",
                actor=issuing.issuer,
                master_key=issuing.master_key,
            )
            made["superseded"] = one()
            one(vin=made["superseded"].vin, supersedes_id=made["superseded"].id)
            past = utcnow() - timedelta(days=200)  # issued then, valid for 180 days
            made["expired"] = one(
                context={"now": past},
                registration_date=past.date() - timedelta(days=40),
                transfer_registration_date=past.date() - timedelta(days=10),
            )
            made["register_inconsistent"] = one()
            session.commit()
            made.update({key: (value.id, value.token) for key, value in made.items()})
            session.close()

    worker = threading.Thread(target=issue)
    worker.start()
    worker.join(timeout=180)
    return made


def test_every_verdict_in_every_language_fits_a_phone(browser, live_server, tmp_path, monkeypatch):
    letters = _letters_in_every_state(live_server, tmp_path)
    inconsistent_id = letters["register_inconsistent"][0]
    monkeypatch.setattr(
        consistency, "letter_status_consistent", lambda _s, letter: letter.id != inconsistent_id
    )
    valid_token = letters["valid"][1]
    paths = {verdict: f"/V/{token}" for verdict, (_id, token) in letters.items()}
    paths["not_genuine"] = f"/V/{flip_bit(valid_token, -1)}"
    paths["cannot_check"] = "/V/ABCDEFGH"
    shots = Path(SHOTS) if SHOTS else tmp_path
    for language, (accept, html_lang) in LANGUAGES.items():
        context = browser.new_context(extra_http_headers={"Accept-Language": accept})
        page = context.new_page()
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            for verdict, path in [*paths.items(), ("check page", "/verify")]:
                page.goto(live_server.url + path)
                assert page.locator("html").get_attribute("lang") == html_lang
                if verdict != "check page":
                    banner = page.locator(".verdict")
                    assert banner.get_attribute("data-verdict") == verdict, (language, path)
                    assert page.locator("[data-next-step]").inner_text().strip()
                scroll = page.evaluate("document.documentElement.scrollWidth")
                assert scroll <= width, (language, width, verdict, scroll)
                if width == 360 and language in ("ru", "ar", "zh_Hans"):
                    name = verdict.replace(" ", "_")
                    page.screenshot(path=str(shots / f"{language}-{name}-{width}.png"))
        context.close()
