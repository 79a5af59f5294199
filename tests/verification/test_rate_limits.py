"""Per-client rate limits on verification: a clear 429 page, other clients unaffected,
misses of number and code limited alike on the form and the API while successful checks
pass, addresses read through trusted proxies only, refusals that cost no database work, and
counters shared through Redis when it is configured."""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest
import redis
import sqlalchemy as sa

from portal import create_app
from portal.security import limiter
from tests.conftest import fresh_database, make_test_config

LIMITED = {
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_VERIFY": "3 per minute",
    "RATELIMIT_VERIFY_CODE": "50 per minute",
    "RATELIMIT_CODE_MISSES": "2 per minute",
    "RATELIMIT_API": "20 per minute",
}
MISS = {"number": "X-2026-000001", "code": "00000-00000"}


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


def test_successful_checks_by_number_and_code_are_not_misses(issue, client):
    letter = issue()
    me = _client_address()
    found = {"number": letter.number, "code": letter.short_code}
    for _ in range(6):
        assert client.post("/verify/code", data=found, environ_base=me).status_code == 303
    assert client.post("/verify/code", data=MISS, environ_base=me).status_code == 200


def test_misses_are_limited_alike_on_the_form_and_the_api(issue, client):
    letter = issue()
    me, other = _client_address(), _client_address()
    assert client.post("/verify/code", data=MISS, environ_base=me).status_code == 200
    assert client.post("/api/v1/verify", json=MISS, environ_base=me).status_code == 200
    # Two misses, one on each: the third is refused on both.
    form = client.post("/verify/code", data=MISS, environ_base=me)
    api = client.post("/api/v1/verify", json=MISS, environ_base=me)
    assert form.status_code == api.status_code == 429
    assert api.get_json()["error"] == "Too many requests"
    assert 0 < int(form.headers["Retry-After"]) <= 60
    # The QR page (a token, not a guess) and other clients are not affected.
    assert client.get(f"/V/{letter.token}", environ_base=me).status_code == 200
    assert client.post("/api/v1/verify", json=MISS, environ_base=other).status_code == 200


def test_the_api_answers_429_in_json(app, client):
    app.config["RATELIMIT_API"] = "3 per minute"
    me = _client_address()
    for _ in range(3):
        assert (
            client.post("/api/v1/verify", json={"token": "A"}, environ_base=me).status_code == 200
        )
    response = client.post("/api/v1/verify", json={"token": "A"}, environ_base=me)
    assert response.status_code == 429
    assert response.get_json()["error"] == "Too many requests"


@contextmanager
def _counted_statements(app):
    statements: list[str] = []
    engine = app.extensions["portal_db"].engine

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def test_a_refusal_costs_no_database_statement(app, client):
    me = _client_address()
    for _ in range(3):
        client.get("/V/AAAA", environ_base=me)
    for _ in range(2):
        client.post("/verify/code", data=MISS, environ_base=me)
    with _counted_statements(app) as statements:
        assert client.get("/V/AAAA", environ_base=me).status_code == 429
        assert client.post("/verify/code", data=MISS, environ_base=me).status_code == 429
        assert client.post("/api/v1/verify", json=MISS, environ_base=me).status_code == 429
    assert statements == []
    # The same requests, not refused, do reach the database.
    with _counted_statements(app) as statements:
        assert client.get("/V/AAAA", environ_base=_client_address()).status_code == 200
    assert statements


@pytest.fixture
def behind_proxy(app):
    # A separate app instance, so that the proxy setting wraps its WSGI application.
    config = {**app.config, "TRUSTED_PROXIES": "192.0.2.10, 198.51.100.0/24"}
    proxied = create_app({k: v for k, v in config.items() if k.isupper()})
    proxied.extensions["portal_db"] = app.extensions["portal_db"]
    return proxied.test_client()


def test_two_clients_behind_a_trusted_proxy_get_separate_limits(behind_proxy):
    proxy = {"REMOTE_ADDR": "192.0.2.10"}
    first, second = (f"203.0.113.{uuid.uuid4().int % 250}", f"2001:db8::{uuid.uuid4().hex[:4]}")
    for _ in range(3):
        headers = {"X-Forwarded-For": first}
        assert behind_proxy.get("/V/AAAA", headers=headers, environ_base=proxy).status_code == 200
    headers = {"X-Forwarded-For": first}
    assert behind_proxy.get("/V/AAAA", headers=headers, environ_base=proxy).status_code == 429
    headers = {"X-Forwarded-For": second}
    assert behind_proxy.get("/V/AAAA", headers=headers, environ_base=proxy).status_code == 200


def test_forwarded_for_from_an_untrusted_address_is_ignored(behind_proxy):
    stranger = {"REMOTE_ADDR": f"203.0.113.{uuid.uuid4().int % 250}"}
    statuses = [
        behind_proxy.get(
            "/V/AAAA", headers={"X-Forwarded-For": f"10.0.0.{n}"}, environ_base=stranger
        ).status_code
        for n in range(4)
    ]
    # Four different claimed addresses, one real one: one bucket.
    assert statuses == [200, 200, 200, 429]


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
