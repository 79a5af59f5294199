"""When the Redis holding the shared counters goes away, verification and sign-in go on with
per-process limits, the outage is logged once a minute, and the shared counters are used
again once Redis is back. The Redis here is one the test starts on a spare port and stops."""

from __future__ import annotations

import logging
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis

from portal import create_app
from tests.conftest import fresh_database, make_test_config

pytestmark = pytest.mark.skipif(
    subprocess.run(["which", "redis-server"], capture_output=True).returncode != 0,
    reason="needs redis-server (installed by .ci/run)",
)


def _spare_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _redis_server(port: int) -> Iterator[subprocess.Popen]:
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(port=port, socket_connect_timeout=1)
        for _ in range(100):  # generous: a busy machine starts it slowly
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                time.sleep(0.1)
        else:
            raise RuntimeError("redis-server did not start")
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=30)


def test_without_redis_the_portal_goes_on_with_per_process_limits(tmp_path, caplog):
    port = _spare_port()
    me = {"REMOTE_ADDR": f"10.77.{uuid.uuid4().int % 250}.1"}
    limits = {"RATELIMIT_ENABLED": True, "RATELIMIT_VERIFY": "4 per minute"}
    with fresh_database("redisdown", tmp_path) as url:
        config = make_test_config(url, tmp_path, REDIS_URL=f"redis://127.0.0.1:{port}/0", **limits)
        app = create_app(config)
        client = app.test_client()
        with _redis_server(port) as server:
            assert client.get("/V/AAAA", environ_base=me).status_code == 200
            assert redis.Redis(port=port).keys("LIMITS*"), "counters should be in Redis"
            _stop(server)
            caplog.set_level(logging.WARNING, logger="portal.rate_limits")
            answers = [client.get("/V/AAAA", environ_base=me).status_code for _ in range(6)]
            # Counted in this process from the outage on: four allowed, then refused.
            assert answers == [200, 200, 200, 200, 429, 429]
            other = {"REMOTE_ADDR": "10.78.0.1"}
            assert (
                client.post("/api/v1/verify", json={"token": "A"}, environ_base=other).status_code
                == 200
            )
            code = {"number": "X-1", "code": "00000-00000"}
            assert client.post("/verify/code", data=code, environ_base=other).status_code == 200
            login = client.post("/login", data={"email": "a@b.test", "password": "wrong-password"})
            assert login.status_code < 500
            assert client.get("/.well-known/portal-keys.json").status_code == 200
            outage_logs = [r for r in caplog.records if r.name == "portal.rate_limits"]
            assert len(outage_logs) == 1, "logged once a minute, not once a request"
            assert "unreachable" in outage_logs[0].getMessage()
        with _redis_server(port):
            # Back: after a few rechecks (1, 2, 4 ... seconds apart) counters go to Redis again.
            fresh = {"REMOTE_ADDR": "10.79.0.1"}
            deadline = time.monotonic() + 90
            while not redis.Redis(port=port).keys("LIMITS*"):
                assert time.monotonic() < deadline, "the limiter never returned to Redis"
                assert client.get("/V/AAAA", environ_base=fresh).status_code < 500
                time.sleep(0.5)
        app.extensions["portal_db"].engine.dispose()
