"""Two Portal instances (gunicorn on two loopback ports) against one database and one Redis
serve as one Portal: a letter issued by one verifies on the other, its PDF is served by the
other, a revocation shows on both at once, and rate limits count across both."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
import requests

from portal import create_app
from portal.accounts.roles import OrgKind, Role
from portal.letters.lifecycle.context import issuance_context
from portal.letters.lifecycle.issuance import issue_letter
from portal.letters.lifecycle.service import revoke_letter
from portal.signing import parse_master_key
from tests.conftest import fresh_database, make_test_config
from tests.factories import Factories

ROOT = Path(__file__).resolve().parent.parent
REDIS = "redis://127.0.0.1:6379/4"

pytestmark = pytest.mark.slow


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping())
    except redis.exceptions.ConnectionError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(env: dict, log, workers: int = 1) -> tuple[subprocess.Popen, str]:
    """Starts gunicorn on a free loopback port; returns it with its base URL once it answers."""
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/health", timeout=120).status_code == 200:
                return process, base
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.3)
    raise AssertionError(f"{base} did not start")


def _verdict(base: str, token: str) -> str:
    page = requests.get(f"{base}/V/{token}", timeout=120)
    assert page.status_code == 200, page.status_code
    return re.search(r'data-verdict="([^"]+)"', page.text).group(1)


def _sign_in(base: str, email: str) -> requests.Session:
    browser = requests.Session()
    form = browser.get(f"{base}/login", timeout=120).text
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    answer = browser.post(
        f"{base}/login",
        data={"csrf_token": csrf, "email": email, "password": Factories.PASSWORD},
        timeout=120,
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[:300]
    return browser


@pytest.mark.skipif(not _redis_up(), reason="needs the Redis server at 127.0.0.1:6379")
def test_two_instances_serve_as_one_portal(tmp_path):
    prefix = f"portal-test-{uuid.uuid4().hex[:10]}"
    shared = {
        "REDIS_URL": REDIS,
        "RATELIMIT_KEY_PREFIX": prefix,
        "RATELIMIT_VERIFY": "6 per minute",
        "STORAGE": "database",
        "PUBLIC_BASE_URL": "https://portal.example.cn",
        "JOB_RUNNER": "external",
    }
    with fresh_database("instances", tmp_path) as url:
        # The instance that issues: this process, as a third member of the same Portal.
        app = create_app({**make_test_config(url, tmp_path), **shared, "RATELIMIT_ENABLED": False})
        with app.app_context():
            session = app.extensions["portal_db"].session()
            make = Factories(session)
            manufacturer = make.organisation(OrgKind.MANUFACTURER)
            make.outlet(manufacturer, country="KZ")
            exporter = make.organisation(OrgKind.EXPORTER)
            issuer = make.user(Role.MANUFACTURER_ISSUER, org=manufacturer)
            reader = make.user(Role.EXPORTER_USER, org=exporter)
            session.commit()
            order = make.letter_order(manufacturer, country="KZ", exporter=exporter)
            letter = issue_letter(session, order, issuance_context(app, issuer))
            session.commit()

            env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
            env.update({f"PORTAL_{k}": str(v) for k, v in shared.items()})
            env.update(
                PORTAL_DATABASE_URL=url,
                PORTAL_SECRET_KEY=app.config["SECRET_KEY"],
                PORTAL_MASTER_KEY=app.config["MASTER_KEY"],
                # Nothing shared on disk: each instance has a folder of its own.
                PORTAL_STORAGE_DIR=str(tmp_path / "unused"),
            )
            logs = [(tmp_path / f"instance-{n}.log").open("w") for n in "ab"]
            (a, base_a), (b, base_b) = _serve(env, logs[0]), _serve(env, logs[1])
            try:
                token = letter.token
                assert _verdict(base_a, token) == "valid"
                assert _verdict(base_b, token) == "valid"
                # The PDF issued here is served by the other instance.
                pdf = _sign_in(base_b, reader.email).get(f"{base_b}/letters/{letter.id}/pdf")
                assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
                revoke_letter(
                    session,
                    letter,
                    reason="Sold elsewhere",
                    actor=issuer,
                    master_key=parse_master_key(app.config["MASTER_KEY"]),
                )
                session.commit()
                assert _verdict(base_b, token) == "revoked"
                assert _verdict(base_a, token) == "revoked"
                # Six checks a minute per client, counted in Redis by both instances: four
                # above on A and B together, two more pass, the next is refused on either.
                statuses = [
                    requests.get(f"{base}/V/{token}", timeout=120).status_code
                    for base in (base_a, base_b, base_a)
                ]
                assert statuses == [200, 200, 429]
                assert requests.get(f"{base_b}/V/{token}", timeout=120).status_code == 429
            finally:
                for process in (a, b):
                    process.terminate()
                    process.wait(timeout=120)
                for log in logs:
                    log.close()
                client = redis.Redis.from_url(REDIS)
                for key in client.scan_iter(f"*{prefix}*"):
                    client.delete(key)
                session.close()
            app.extensions["portal_db"].engine.dispose()
