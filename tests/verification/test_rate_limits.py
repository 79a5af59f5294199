"""Per-client rate limits on verification: a clear 429 page, other clients unaffected, and
counters shared through Redis when it is configured."""

from __future__ import annotations

import uuid

import pytest
import redis

from portal import create_app
from portal.security import limiter
from tests.conftest import fresh_database, make_test_config

LIMITED = {
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_VERIFY": "3 per minute",
    "RATELIMIT_VERIFY_CODE": "2 per minute",
    "RATELIMIT_API": "3 per minute",
}


@pytest.fixture
def app_config(database_url, tmp_path):
    return make_test_config(database_url, tmp_path, **LIMITED)


def _client_address() -> dict[str, str]:
    # A fresh address per test, so that counters never carry over between tests.
    return {"REMOTE_ADDR": f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"}


def test_the_qr_page_is_limited_per_client_with_a_clear_page(client):
    me, other = _client_address(), _client_address()
    statuses = [client.get("/V/AAAA", environ_base=me).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/V/AAAA", environ_base=me)
    page = response.get_data(as_text=True)
    assert "Too many requests" in page and "Wait a minute" in page
    assert int(response.headers["Retry-After"]) > 0
    assert client.get("/V/AAAA", environ_base=other).status_code == 200


def test_guessing_codes_is_limited_hardest(client):
    me = _client_address()
    data = {"number": "X-2026-000001", "code": "00000-00000"}
    statuses = [
        client.post("/verify/code", data=data, environ_base=me).status_code for _ in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_the_api_answers_429_in_json(client):
    me = _client_address()
    for _ in range(3):
        assert (
            client.post("/api/v1/verify", json={"token": "A"}, environ_base=me).status_code == 200
        )
    response = client.post("/api/v1/verify", json={"token": "A"}, environ_base=me)
    assert response.status_code == 429
    assert response.get_json()["error"] == "Too many requests"


def _redis_url() -> str | None:
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        return None
    return url


REDIS = _redis_url()


@pytest.mark.skipif(REDIS is None, reason="needs the Redis server at 127.0.0.1:6379")
def test_counters_live_in_redis_and_are_shared_by_workers(tmp_path):
    with fresh_database("ratelimit", tmp_path) as url:
        _two_workers_share_counters(make_test_config(url, tmp_path, REDIS_URL=REDIS, **LIMITED))


def _two_workers_share_counters(config: dict) -> None:
    # These apps commit for real (their scans too): hence a database of their own.
    me = _client_address()
    first_worker = create_app(config)
    assert first_worker.config["RATELIMIT_STORAGE_URI"] == REDIS
    for _ in range(2):
        assert first_worker.test_client().get("/V/AAAA", environ_base=me).status_code == 200
    # A second worker process starts with its own limiter, and finds the same counters.
    second_worker = create_app(config)
    client = second_worker.test_client()
    assert client.get("/V/AAAA", environ_base=me).status_code == 200
    assert client.get("/V/AAAA", environ_base=me).status_code == 429
    keys = redis.Redis.from_url(REDIS).keys("LIMITS*")
    assert keys, "the limiter wrote no counters to Redis"
    limiter.reset()
    for app in (first_worker, second_worker):
        app.extensions["portal_db"].engine.dispose()
