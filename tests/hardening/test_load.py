"""A load run of 60 s on the verification page from several loopback addresses, against
gunicorn with two workers and the limits counted in Redis: never a 5xx; each address gets its
own share, and what goes beyond it is answered 429."""

from __future__ import annotations

import http.client
import os
import threading
import time
import uuid
from collections import Counter

import pytest
import redis

from portal import create_app
from portal.accounts.roles import OrgKind, Role
from portal.letters.lifecycle.context import issuance_context
from portal.letters.lifecycle.issuance import issue_letter
from tests.conftest import fresh_database, make_test_config
from tests.factories import Factories
from tests.test_instances import REDIS, _redis_up, _serve

pytestmark = pytest.mark.slow

ADDRESSES = ("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5")
PER_MINUTE = 100
SECONDS = 60


def _hammer(port: int, source: str, path: str, until: float, seen: Counter) -> None:
    """Sends requests from one source address until the deadline (20,000 at most)."""
    for _ in range(20_000):
        if time.monotonic() >= until:
            return
        connection = http.client.HTTPConnection(
            "127.0.0.1", port, timeout=120, source_address=(source, 0)
        )
        try:
            connection.request("GET", path)
            status = connection.getresponse().status
        finally:
            connection.close()
        seen[(source, status)] += 1


@pytest.mark.skipif(not _redis_up(), reason="needs the Redis server at 127.0.0.1:6379")
def test_a_minute_of_load_from_several_addresses_gives_no_5xx_and_429_beyond_the_limit(
    tmp_path,
):
    prefix = f"portal-load-{uuid.uuid4().hex[:10]}"
    shared = {
        "REDIS_URL": REDIS,
        "RATELIMIT_KEY_PREFIX": prefix,
        "RATELIMIT_VERIFY": f"{PER_MINUTE} per minute",
        "PUBLIC_BASE_URL": "https://portal.example.cn",
        "JOB_RUNNER": "external",
    }
    with fresh_database("load", tmp_path) as url:
        app = create_app({**make_test_config(url, tmp_path), **shared, "RATELIMIT_ENABLED": False})
        with app.app_context():
            session = app.extensions["portal_db"].session()
            make = Factories(session)
            manufacturer = make.organisation(OrgKind.MANUFACTURER)
            make.outlet(manufacturer, country="KZ")
            issuer = make.user(Role.MANUFACTURER_ISSUER, org=manufacturer)
            session.commit()
            order = make.letter_order(manufacturer, country="KZ")
            token = issue_letter(session, order, issuance_context(app, issuer)).token
            session.commit()
            session.close()
        app.extensions["portal_db"].engine.dispose()

        env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
        env.update({f"PORTAL_{k}": str(v) for k, v in shared.items()})
        env.update(
            PORTAL_DATABASE_URL=url,
            PORTAL_SECRET_KEY="load-test",
            PORTAL_MASTER_KEY=app.config["MASTER_KEY"],
            PORTAL_STORAGE_DIR=str(tmp_path / "storage"),
        )
        log = (tmp_path / "gunicorn.log").open("w")
        server, base = _serve(env, log, workers=2)
        port = int(base.rsplit(":", 1)[1])
        seen: Counter = Counter()
        try:
            until = time.monotonic() + SECONDS
            threads = [
                threading.Thread(target=_hammer, args=(port, source, f"/V/{token}", until, seen))
                for source in ADDRESSES
                for _ in range(2)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=SECONDS + 300)
        finally:
            server.terminate()
            server.wait(timeout=60)
            log.close()
            client = redis.Redis.from_url(REDIS)
            for key in client.scan_iter(f"*{prefix}*"):
                client.delete(key)
    assert time.monotonic() >= until, "the run ended before its minute"
    statuses = Counter()
    for (_source, status), count in seen.items():
        statuses[status] += count
    assert set(statuses) <= {200, 429}, statuses
    assert statuses[429] > 0, statuses
    for source in ADDRESSES:
        allowed = seen[(source, 200)]
        # A fixed window lets at most two windows' worth through in one minute.
        assert 0 < allowed <= 2 * PER_MINUTE, (source, allowed)
