"""Every form is protected against cross-site request forgery."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.accounts.roles import Role
from tests.factories import Factories


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


def _token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_login_without_token_is_refused(client, make):
    user = make.user(Role.EXPORTER_USER)
    response = client.post("/login", data={"email": user.email, "password": Factories.PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # not signed in


def test_login_with_token_works(client, make):
    user = make.user(Role.EXPORTER_USER)
    token = _token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": user.email, "password": Factories.PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_forged_invitation_is_refused_and_changes_nothing(client, make, session):
    admin = make.user(Role.EXPORTER_ADMIN)
    token = _token(client.get("/login").get_data(as_text=True))
    client.post(
        "/login", data={"email": admin.email, "password": Factories.PASSWORD, "csrf_token": token}
    )
    response = client.post(
        "/users/invite", data={"email": "forged@example.test", "name": "F", "role": "exporter_user"}
    )
    assert response.status_code == 400
    assert session.scalar(sa.select(User).where(User.email == "forged@example.test")) is None


def test_forged_logout_is_refused(client, make):
    user = make.user(Role.EXPORTER_USER)
    token = _token(client.get("/login").get_data(as_text=True))
    client.post(
        "/login", data={"email": user.email, "password": Factories.PASSWORD, "csrf_token": token}
    )
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still signed in
