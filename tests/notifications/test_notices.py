"""Notices reach the exporter: in the Portal's list with an unread count in the header, and
by email through a real SMTP server on loopback when one is configured; a mail server that
is down costs a log line, never the operation."""

from __future__ import annotations

import logging
import re

import pytest
import sqlalchemy as sa

from portal.accounts.roles import OrgKind, Role
from portal.notifications.models import NoticeKind, Notification
from portal.requests.models import LetterRequest
from portal.requests.states import RequestStatus
from tests.conftest import make_test_config
from tests.smtp_server import free_port, smtp_server


@pytest.fixture
def mailbox():
    with smtp_server() as box:
        yield box


@pytest.fixture
def app_config(database_url, tmp_path, request):
    overrides = {}
    if "mailbox" in request.fixturenames:
        box = request.getfixturevalue("mailbox")
        overrides = {"SMTP_HOST": box.host, "SMTP_PORT": box.port, "SMTP_FROM": "portal@x.test"}
    elif "smtp_down" in request.fixturenames:
        overrides = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": free_port(), "SMTP_TIMEOUT": 5}
    return make_test_config(database_url, tmp_path, **overrides)


@pytest.fixture
def parties(make, login_as):
    manufacturer = make.organisation(OrgKind.MANUFACTURER)
    make.outlet(manufacturer, country="KZ")
    exporter = make.organisation(OrgKind.EXPORTER)
    boss = make.user(Role.EXPORTER_ADMIN, org=exporter, email="boss@exporter.test")
    clerk = make.user(Role.EXPORTER_USER, org=exporter, email="clerk@exporter.test")
    make.user(Role.EXPORTER_USER, org=exporter, email="gone@exporter.test", active=False)
    issuer = make.user(Role.MANUFACTURER_ISSUER, org=manufacturer)
    return {
        "manufacturer": manufacturer,
        "exporter": exporter,
        "issuer": issuer,
        "clerk": clerk,
        "issuer_client": login_as(issuer),
        "boss_client": login_as(boss),
        "clerk_client": login_as(clerk),
    }


def _badge(client) -> str:
    html = client.get("/requests").get_data(as_text=True)
    found = re.search(r'class="notices-link">Notifications(?: <span[^>]*>(\d+)</span>)?', html)
    assert found, "the header shows the notifications link"
    return found.group(1) or "0"


def _reject(parties, make, reason="The VIN belongs to another brand."):
    req = make.letter_request(
        manufacturer=parties["manufacturer"],
        exporter=parties["exporter"],
        created_by=parties["clerk"],
    )
    response = parties["issuer_client"].post(f"/review/{req.id}/reject", data={"reason": reason})
    assert response.status_code == 302
    return req


def test_a_rejection_is_a_notice_with_an_unread_count_until_read(parties, make, session):
    assert _badge(parties["boss_client"]) == "0"
    req = _reject(parties, make)
    notice = session.scalars(sa.select(Notification)).one()
    assert (notice.kind, notice.request_id) == (NoticeKind.REQUEST_REJECTED, req.id)
    assert _badge(parties["boss_client"]) == "1"
    assert _badge(parties["clerk_client"]) == "1"

    page = parties["boss_client"].get("/notifications").get_data(as_text=True)
    assert f"Request #{req.id} for VIN {req.vin} was rejected: The VIN belongs to" in page
    assert f'href="/requests/{req.id}"' in page
    # Read by the boss, still unread for the clerk: each user reads for themselves.
    assert _badge(parties["boss_client"]) == "0"
    assert _badge(parties["clerk_client"]) == "1"


def test_notices_are_the_organisations_own(parties, make, login_as):
    _reject(parties, make)
    other = login_as(Role.EXPORTER_ADMIN, org=make.organisation(OrgKind.EXPORTER))
    assert _badge(other) == "0"
    assert "was rejected" not in other.get("/notifications").get_data(as_text=True)


def test_letter_ready_and_revoked_are_notices(parties, make, session):
    req, letter = make.issued_request(
        manufacturer=parties["manufacturer"], exporter=parties["exporter"], actor=parties["issuer"]
    )
    response = parties["issuer_client"].post(
        f"/letters/{letter.id}/revoke", data={"reason": "Sold to another country.", "confirm": "y"}
    )
    assert response.status_code == 302
    kinds = session.scalars(sa.select(Notification.kind).order_by(Notification.id)).all()
    assert kinds == [NoticeKind.LETTER_READY, NoticeKind.LETTER_REVOKED]
    page = parties["clerk_client"].get("/notifications").get_data(as_text=True)
    assert f"Letter {letter.number} for VIN {req.vin} is ready to download." in page
    assert f"Letter {letter.number} for VIN {req.vin} was revoked: Sold to another country." in page
    assert f'href="/letters/{letter.id}"' in page


def test_emails_go_to_the_active_users_after_commit(parties, make, mailbox):
    req = _reject(parties, make)
    (message,) = mailbox.wait_for(1)
    assert message["X-Envelope-To"] == "boss@exporter.test, clerk@exporter.test"
    assert message["From"] == "portal@x.test"
    body = message.get_content()
    assert f"Request #{req.id} for VIN {req.vin} was rejected" in body
    assert f"http://127.0.0.1:5000/requests/{req.id}" in body
    assert "已被拒绝" in body  # the Chinese text travels with the English


def test_a_rolled_back_operation_sends_no_email(parties, make, mailbox):
    req = make.letter_request(
        manufacturer=parties["manufacturer"],
        exporter=parties["exporter"],
        created_by=parties["clerk"],
    )
    # Too long a reason: the rejection fails as a whole, no notice and no email.
    parties["issuer_client"].post(f"/review/{req.id}/reject", data={"reason": "x" * 1001})
    _reject(parties, make)
    messages = mailbox.wait_for(1)
    assert len(messages) == 1
    assert str(req.id) + " for VIN" not in messages[0].get_content()


@pytest.fixture
def smtp_down():
    """Configures a mail server on a loopback port where nothing listens."""


def test_a_mail_server_that_is_down_does_not_fail_the_rejection(
    smtp_down, parties, make, session, caplog
):
    with caplog.at_level(logging.WARNING, logger="portal.notifications.mail"):
        req = _reject(parties, make)
    status = session.scalar(sa.select(LetterRequest.status).where(LetterRequest.id == req.id))
    assert status is RequestStatus.REJECTED
    assert "not sent" in caplog.text and "The notices stay in the Portal" in caplog.text
    assert _badge(parties["boss_client"]) == "1"
