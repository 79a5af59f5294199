"""A live Portal on 127.0.0.1 with its own database, and Debian's Chromium driven by
Playwright. The README's test command installs Chromium when it is missing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from portal import create_app
from portal.accounts.models import User
from tests.conftest import fresh_database, make_test_config
from tests.factories import Factories

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@dataclass
class LiveServer:
    app: Flask
    url: str

    def session(self) -> Session:
        """Returns a session on the live server's database; commit what you arrange."""
        return self.app.extensions["portal_db"].session()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    with fresh_database("live", tmp_path) as url:
        # CSRF stays on: the browser fills in the real forms.
        app = create_app(make_test_config(url, tmp_path, WTF_CSRF_ENABLED=True))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
        finally:
            server.shutdown()
            thread.join(timeout=5)
            app.extensions["portal_db"].engine.dispose()


@pytest.fixture
def live_make(live_server: LiveServer) -> Iterator[Factories]:
    """Factories writing to the live server's database (commit to make data visible)."""
    session = live_server.session()
    yield Factories(session)
    session.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Module scope, not session: Playwright's sync API keeps an event loop running in this
    # thread while it is open, and code that calls asyncio.run (pyHanko) fails under it.
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="en-GB")
    new_page = context.new_page()
    yield new_page
    context.close()


def sign_in(page: Page, server: LiveServer, email: str, password: str) -> None:
    """Signs in through the login page as a person would, with the code of their
    authenticator app (the factories' secret) when the Portal asks for one."""
    page.goto(f"{server.url}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/login/code" in page.url:
        page.get_by_label("Code from your authenticator app").fill(fresh_code(server, email))
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()


def fresh_code(server: LiveServer, email: str) -> str:
    """Returns the user's current code, the last code used forgotten (a test may sign the
    same person in twice within 30 seconds)."""
    session = server.session()
    try:
        session.execute(sa.update(User).where(User.email == email).values(totp_last_step=None))
        secret = session.scalar(sa.select(User.totp_secret).where(User.email == email))
        session.commit()
    finally:
        session.close()
    return pyotp.TOTP(secret or Factories.TOTP_SECRET).now()
