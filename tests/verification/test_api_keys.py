"""API keys for licensing systems: made by the platform administrator in the browser, shown
once, stored as a hash, revocable, with quotas of their own."""

from __future__ import annotations

import hashlib
import re
import uuid

import pytest
import sqlalchemy as sa

from portal.accounts.roles import Role
from portal.verification.models import ApiKey
from tests.conftest import make_test_config

LIMITED = {
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_API": "3 per minute",
    "RATELIMIT_CODE_MISSES": "2 per minute",
    "RATELIMIT_BAD_API_KEYS": "3 per minute",
}


@pytest.fixture
def app_config(database_url, tmp_path):
    return make_test_config(database_url, tmp_path, **LIMITED)


def _address() -> dict[str, str]:
    return {"REMOTE_ADDR": f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.9"}


def _create_key(admin, name="Customs licensing", checks=10, misses=4) -> str:
    page = admin.post(
        "/api-keys",
        data={"name": name, "checks_per_minute": checks, "misses_per_hour": misses},
    ).get_data(as_text=True)
    (key,) = re.findall(r'value="(asc_[A-Za-z0-9_-]+)" aria-label', page)
    return key


def test_the_platform_admin_creates_a_key_shown_once_and_stored_hashed(login_as, session):
    admin = login_as(Role.PLATFORM_ADMIN)
    key = _create_key(admin)
    record = session.scalar(sa.select(ApiKey).where(ApiKey.name == "Customs licensing"))
    assert record.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str([getattr(record, c.key) for c in ApiKey.__table__.columns])
    listing = admin.get("/api-keys").get_data(as_text=True)
    assert "Customs licensing" in listing and record.prefix in listing
    assert key not in listing


def test_other_roles_cannot_manage_keys(login_as):
    for role in (Role.MANUFACTURER_ADMIN, Role.EXPORTER_ADMIN):
        assert login_as(role).get("/api-keys").status_code == 403


def test_a_key_raises_the_quota(login_as, client):
    key = _create_key(login_as(Role.PLATFORM_ADMIN), checks=10)
    me = _address()
    keyed = {"X-API-Key": key}
    for _ in range(8):
        response = client.post(
            "/api/v1/verify", json={"token": "AAAA"}, headers=keyed, environ_base=me
        )
        assert response.status_code == 200
    # The same address without the key has its own, smaller quota.
    statuses = [
        client.post("/api/v1/verify", json={"token": "AAAA"}, environ_base=me).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_a_keys_misses_are_its_own(login_as, client):
    key = _create_key(login_as(Role.PLATFORM_ADMIN), misses=4)
    me, miss = _address(), {"number": "X-1", "code": "00000-00000"}
    for _ in range(4):
        response = client.post("/api/v1/verify", json=miss, headers={"X-API-Key": key})
        assert response.get_json()["verdict"] == "cannot_check"
    assert client.post("/api/v1/verify", json=miss, headers={"X-API-Key": key}).status_code == 429
    assert client.post("/api/v1/verify", json=miss, environ_base=me).status_code == 200


def test_a_revoked_or_unknown_key_is_refused_and_guessing_keys_is_limited(
    login_as, client, session
):
    admin = login_as(Role.PLATFORM_ADMIN)
    key = _create_key(admin)
    record = session.scalar(sa.select(ApiKey).where(ApiKey.name == "Customs licensing"))
    assert admin.post(f"/api-keys/{record.id}/revoke").status_code == 302
    me = _address()
    refused = client.post(
        "/api/v1/verify", json={"token": "AAAA"}, headers={"X-API-Key": key}, environ_base=me
    )
    assert refused.status_code == 401 and refused.get_json()["error"] == "invalid_api_key"
    for n in range(2):
        headers = {"X-API-Key": f"asc_guess{n}"}
        response = client.post(
            "/api/v1/verify", json={"token": "A"}, headers=headers, environ_base=me
        )
        assert response.status_code == 401
    guess = client.post(
        "/api/v1/verify", json={"token": "A"}, headers={"X-API-Key": "asc_x"}, environ_base=me
    )
    assert guess.status_code == 429
