"""With CSRF protection on, as in production: the request pages' forms carry their token,
and a POST without it changes nothing."""

from __future__ import annotations

import re

import pyotp
import pytest

from portal.accounts.roles import Role
from portal.requests.states import RequestStatus
from tests.factories import Factories


@pytest.fixture
def app_config(app_config: dict) -> dict:
    return {**app_config, "WTF_CSRF_ENABLED": True}


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def _signed_in(app, user):
    client = app.test_client()
    token = _token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": user.email, "password": Factories.PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    if response.location == "/login/code":
        token = _token(client.get("/login/code").get_data(as_text=True))
        code = pyotp.TOTP(Factories.TOTP_SECRET).now()
        response = client.post("/login/code", data={"code": code, "csrf_token": token})
        assert response.status_code == 302
    return client


def test_submit_and_approve_with_tokens_from_the_pages(app, make, session) -> None:
    manufacturer = make.organisation()
    make.outlet(manufacturer, country="KZ")
    exporter = make.user(Role.EXPORTER_USER)
    issuer = make.user(Role.MANUFACTURER_ISSUER, org=manufacturer)
    request = make.letter_request(
        manufacturer=manufacturer, exporter=exporter.organisation, status=RequestStatus.DRAFT
    )
    exporter_client = _signed_in(app, exporter)
    assert exporter_client.post(f"/requests/{request.id}/submit").status_code == 400
    session.refresh(request)
    assert request.status is RequestStatus.DRAFT
    page = exporter_client.get(f"/requests/{request.id}").get_data(as_text=True)
    response = exporter_client.post(
        f"/requests/{request.id}/submit", data={"csrf_token": _token(page)}
    )
    assert response.status_code == 302
    issuer_client = _signed_in(app, issuer)
    queue = issuer_client.get("/review").get_data(as_text=True)
    response = issuer_client.post(
        "/review/decide",
        data={"request_ids": [request.id], "decision": "approve", "csrf_token": _token(queue)},
    )
    assert response.status_code == 302
    session.refresh(request)
    assert request.status is RequestStatus.APPROVED
