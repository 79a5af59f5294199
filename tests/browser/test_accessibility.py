"""axe-core on every page of the Portal: each GET route, opened in Chromium as a role that
may see it (anonymously for public ones) with real objects behind its arguments, has no
serious or critical accessibility violation. Pages reached only through a form (the checks
before issuing, a batch in progress) are checked in the journeys that reach them."""

from __future__ import annotations

import threading

import pytest
from flask import url_for

from portal.accounts.roles import Role
from portal.letters.keys.authority import ensure_authority
from portal.security import PUBLIC, access_of
from portal.signing import parse_master_key
from tests.access_world import ARGUMENTS, World
from tests.browser.axe import axe_violations
from tests.browser.conftest import sign_in
from tests.factories import Factories

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# The role a page is opened as: the first of these it allows.
ROLE_ORDER = (
    Role.MANUFACTURER_ADMIN,
    Role.EXPORTER_ADMIN,
    Role.PLATFORM_ADMIN,
    Role.MANUFACTURER_ISSUER,
    Role.MANUFACTURER_VIEWER,
    Role.EXPORTER_USER,
)
SKIPPED = {"static", "site.language"}  # a file, and a redirect


def _pages(app, world: World) -> list[tuple[str, Role | None]]:
    pages = []
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or rule.endpoint in SKIPPED:
                continue
            access = access_of(app, rule.endpoint)
            role = None
            if access != PUBLIC:
                role = next((r for r in ROLE_ORDER if r in access), None)
                if role is None:
                    continue
            user = world.users[role] if role else world.users[Role.EXPORTER_USER]
            values = {arg: ARGUMENTS[arg](world, user)[0] for arg in rule.arguments}
            pages.append((url_for(rule.endpoint, **values), role))
    return pages


def _arrange(app, make: Factories) -> tuple[World, list[tuple[str, Role | None]]]:
    with app.app_context():
        ensure_authority(make.session, parse_master_key(app.config["MASTER_KEY"]))
        world = World.build(make)
        pages = _pages(app, world)
        pages.append((f"/v/{world.objects['letters']['ours'].token}", None))
        make.session.commit()
    return world, pages


def test_every_page_passes_axe(browser, live_server, live_make):
    # Letters are signed with pyHanko, which runs an event loop of its own: not in this
    # thread, where Playwright's runs.
    arranged = []
    worker = threading.Thread(target=lambda: arranged.append(_arrange(live_server.app, live_make)))
    worker.start()
    worker.join()
    world, pages = arranged[0]
    contexts = {}
    failures, checked = [], []
    try:
        for path, role in pages:
            if role not in contexts:
                contexts[role] = browser.new_context(locale="en-GB")
                if role is not None:
                    sign_in(
                        contexts[role].new_page(),
                        live_server,
                        world.users[role].email,
                        Factories.PASSWORD,
                    )
            page = contexts[role].pages[0] if contexts[role].pages else contexts[role].new_page()
            url = live_server.url + path
            head = page.request.get(url, max_redirects=0)
            if not head.headers.get("content-type", "").startswith("text/html"):
                continue  # PDFs, CSV, ZIP, JSON and redirects are not pages
            page.goto(url)
            checked.append(path)
            failures += [f"{path} as {role}: {v}" for v in axe_violations(page)]
    finally:
        for context in contexts.values():
            context.close()
    assert len(checked) >= 35, checked
    assert failures == [], "\n".join(failures)


def test_the_first_tab_reaches_a_visible_skip_link(page, live_server):
    page.goto(f"{live_server.url}/directory")  # a page without a field taking the focus
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent.trim()")
    assert focused == "Skip to the content"
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["y"] >= 0  # shown once focused
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    assert page.evaluate("() => document.activeElement.id") == "main"
