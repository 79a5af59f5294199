"""The database out of reach (a loopback proxy in front of PostgreSQL, stopped by the test):
verification answers 503 with Retry-After and never a verdict, sign-in and pages answer a
clear 503, /readyz names the database, /health stays alive; all recover by themselves."""

from __future__ import annotations

import os
import time

import pytest
import requests
from sqlalchemy.engine import make_url

from portal import create_app
from portal.accounts.roles import Role
from portal.letters.lifecycle.issuance import issue_letter
from tests.conftest import PG_ENV, fresh_database, make_test_config
from tests.factories import Factories
from tests.hardening.live import TcpProxy, gunicorn, portal_env, sign_in, through_proxy
from tests.letters.conftest import Issuing

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.environ.get(PG_ENV), reason="a database host to cut off"),
]

CANNOT_CHECK = "cannot check letters right now"
VERDICT_WORDS = ("data-verdict", "GENUINE", "VALID", "NOT FOUND", "not genuine")


def _wait_until(check, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the Portal did not recover"
        time.sleep(0.5)


def _arrange(url: str, tmp_path) -> tuple[dict, str, str]:
    config = make_test_config(url, tmp_path)
    app = create_app(config)
    with app.app_context():
        session = app.extensions["portal_db"].session()
        make = Factories(session)
        issuing = Issuing(app, make, tmp_path)
        letter = issue_letter(session, issuing.order(), issuing.context())
        viewer = make.user(Role.MANUFACTURER_VIEWER, org=issuing.manufacturer)
        session.commit()
        token, email = letter.token, viewer.email
        session.close()
    app.extensions["portal_db"].engine.dispose()
    return config, token, email


def test_database_outage_gives_503_never_a_verdict_and_recovers(tmp_path):
    with fresh_database("outage", tmp_path) as url:
        config, token, email = _arrange(url, tmp_path)
        target = make_url(url)
        proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
        proxy.start()
        env = portal_env({**config, "DATABASE_URL": through_proxy(url, proxy)})
        try:
            with gunicorn(env, tmp_path) as base:
                viewer = sign_in(base, email, Factories.PASSWORD)
                page = requests.get(f"{base}/V/{token}", timeout=30)
                assert page.status_code == 200 and "data-verdict" in page.text
                assert requests.get(f"{base}/readyz", timeout=30).status_code == 200

                proxy.stop()
                _check_outage(base, token, email, viewer)

                proxy.start()
                _wait_until(lambda: requests.get(f"{base}/readyz", timeout=30).status_code == 200)
                _wait_until(
                    lambda: requests.get(f"{base}/V/{token}", timeout=30).status_code == 200
                )
                assert "data-verdict" in requests.get(f"{base}/V/{token}", timeout=30).text
                assert viewer.get(f"{base}/letters", timeout=30).status_code == 200
                api = requests.post(f"{base}/api/v1/verify", json={"token": token}, timeout=30)
                assert api.status_code == 200 and api.json()["verdict"] == "valid"
        finally:
            proxy.stop()


def _check_outage(base: str, token: str, email: str, viewer: requests.Session) -> None:
    # A few rounds: the first requests meet pooled connections that just died, later ones
    # new connections that are refused; both must answer the same way.
    for _ in range(3):
        page = requests.get(f"{base}/V/{token}", timeout=60)
        assert page.status_code == 503, page.text[:300]
        assert int(page.headers["Retry-After"]) > 0
        assert CANNOT_CHECK in page.text and "signature" in page.text
        assert not any(word in page.text for word in VERDICT_WORDS)

        api = requests.post(f"{base}/api/v1/verify", json={"token": token}, timeout=60)
        assert api.status_code == 503
        assert int(api.headers["Retry-After"]) > 0
        assert "verdict" not in api.json() and CANNOT_CHECK in api.json()["message"]

        login = requests.post(
            f"{base}/login", data={"email": email, "password": Factories.PASSWORD}, timeout=60
        )
        assert login.status_code == 503 and "cannot reach its database" in login.text
        assert viewer.get(f"{base}/letters", timeout=60).status_code == 503

        ready = requests.get(f"{base}/readyz", timeout=60)
        assert ready.status_code == 503
        checks = ready.json()["checks"]
        assert checks["database"]["ok"] is False and checks["storage"]["ok"] is True
        health = requests.get(f"{base}/health", timeout=60)
        assert health.status_code == 200 and health.json()["status"] == "ok"
