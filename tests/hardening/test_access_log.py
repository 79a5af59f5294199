"""gunicorn's access log never holds a set-password token: not in the request line, not in
the referrer of the page's own stylesheet request."""

from __future__ import annotations

import time

import pytest
import requests

from portal import create_app
from portal.accounts import service
from portal.accounts.roles import Role
from tests.conftest import fresh_database, make_test_config
from tests.factories import Factories
from tests.hardening.live import gunicorn, portal_env

pytestmark = pytest.mark.slow


def test_set_password_tokens_never_reach_the_access_log(tmp_path):
    with fresh_database("access_log", tmp_path) as url:
        config = make_test_config(url, tmp_path)
        app = create_app(config)
        with app.app_context():
            session = app.extensions["portal_db"].session()
            user = Factories(session).user(Role.EXPORTER_USER, password_hash=None)
            token = service.new_password_link(session, user, valid_hours=1)
            session.commit()
            session.close()
        app.extensions["portal_db"].engine.dispose()
        with gunicorn(portal_env(config), tmp_path, workers=1, threads=2) as base:
            link = f"{base}/set-password/{token}"
            assert requests.get(link, timeout=60).status_code == 200
            requests.get(f"{base}/static/portal.css", headers={"Referer": link}, timeout=60)
            wrong = requests.get(f"{base}/set-password/{token}x", timeout=60)
            assert wrong.status_code == 404
        log = tmp_path / "access.log"
        deadline = time.monotonic() + 30
        while log.read_text().count("/set-password/") < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        text = log.read_text()
    assert token not in text
    assert text.count("/set-password/[redacted]") >= 3
