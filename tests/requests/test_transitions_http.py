"""Crafted POSTs cannot move a request along a path the state machine does not list, nor
act with a role that may not; nothing changes when they are refused."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.accounts.roles import Role
from portal.audit.models import AuditEntry
from portal.requests.states import RequestStatus

S = RequestStatus

EXPORTER_POSTS = {"submit": "/requests/{id}/submit", "withdraw": "/requests/{id}/withdraw"}
MANUFACTURER_POSTS = {"approve": "/review/{id}/approve", "reject": "/review/{id}/reject"}


def _request(make, world, status):
    return make.letter_request(
        manufacturer=world.manufacturer, exporter=world.exporter, status=status
    )


@pytest.mark.parametrize(
    ("status", "action", "after"),
    [
        (S.DRAFT, "submit", S.SUBMITTED),
        (S.DRAFT, "withdraw", S.WITHDRAWN),
        (S.SUBMITTED, "withdraw", S.WITHDRAWN),
        (S.SUBMITTED, "submit", None),
        (S.APPROVED, "withdraw", None),
        (S.APPROVED, "submit", None),
        (S.REJECTED, "submit", None),
        (S.REJECTED, "withdraw", None),
        (S.WITHDRAWN, "submit", None),
        (S.WITHDRAWN, "withdraw", None),
        (S.ISSUED, "withdraw", None),
    ],
)
def test_exporter_actions(world, make, session, status, action, after) -> None:
    request = _request(make, world, status)
    response = world.exporter_client.post(EXPORTER_POSTS[action].format(id=request.id))
    session.refresh(request)
    if after is None:
        assert response.status_code == 409
        assert request.status is status
        assert len(request.events) == 1
    else:
        assert response.status_code == 302
        assert request.status is after
        assert [e.to_status for e in request.events] == [status, after]


@pytest.mark.parametrize(
    ("status", "action", "after"),
    [
        (S.SUBMITTED, "approve", S.APPROVED),
        (S.SUBMITTED, "reject", S.REJECTED),
        (S.APPROVED, "approve", None),
        (S.APPROVED, "reject", None),
        (S.REJECTED, "approve", None),
        (S.WITHDRAWN, "approve", None),
        (S.WITHDRAWN, "reject", None),
        (S.ISSUED, "reject", None),
    ],
)
def test_manufacturer_actions(world, make, session, status, action, after) -> None:
    request = _request(make, world, status)
    response = world.issuer_client.post(
        MANUFACTURER_POSTS[action].format(id=request.id), data={"reason": "Not our vehicle."}
    )
    session.refresh(request)
    if after is None:
        assert response.status_code == 409
        assert request.status is status
    else:
        assert response.status_code == 302
        assert request.status is after
        assert request.decided_at is not None
        assert request.decided_by_id == world.issuer_client.user.id


@pytest.mark.parametrize("path", EXPORTER_POSTS.values())
@pytest.mark.parametrize("role", [Role.MANUFACTURER_ADMIN, Role.MANUFACTURER_ISSUER])
def test_manufacturers_cannot_take_exporter_actions(world, make, login_as, session, path, role):
    request = _request(make, world, S.DRAFT)
    client = login_as(role, org=world.manufacturer)
    assert client.post(path.format(id=request.id)).status_code == 403
    session.refresh(request)
    assert request.status is S.DRAFT


@pytest.mark.parametrize("path", [*MANUFACTURER_POSTS.values(), "/review/decide"])
@pytest.mark.parametrize(
    "role", [Role.EXPORTER_ADMIN, Role.EXPORTER_USER, Role.MANUFACTURER_VIEWER]
)
def test_exporters_and_viewers_cannot_decide(world, make, login_as, session, path, role):
    request = _request(make, world, S.SUBMITTED)
    org = world.exporter if role.value.startswith("exporter") else world.manufacturer
    client = login_as(role, org=org)
    response = client.post(
        path.format(id=request.id),
        data={"request_ids": [request.id], "decision": "approve", "reason": "x"},
    )
    assert response.status_code == 403
    session.refresh(request)
    assert request.status is S.SUBMITTED


def test_viewer_reads_the_queue_and_the_request(world, make, login_as) -> None:
    request = _request(make, world, S.SUBMITTED)
    viewer = login_as(Role.MANUFACTURER_VIEWER, org=world.manufacturer)
    queue = viewer.get("/review").get_data(as_text=True)
    assert request.vin in queue
    assert 'name="request_ids"' not in queue  # no bulk decision for readers
    detail = viewer.get(f"/review/{request.id}").get_data(as_text=True)
    assert request.vin in detail and "/approve" not in detail


def test_reject_without_reason_changes_nothing(world, make, session) -> None:
    request = _request(make, world, S.SUBMITTED)
    response = world.issuer_client.post(f"/review/{request.id}/reject", data={"reason": "  "})
    assert response.status_code == 302
    session.refresh(request)
    assert request.status is S.SUBMITTED


@pytest.mark.parametrize("status", [S.SUBMITTED, S.APPROVED, S.REJECTED, S.WITHDRAWN, S.ISSUED])
def test_only_drafts_can_be_edited(world, make, session, status) -> None:
    request = _request(make, world, status)
    assert world.exporter_client.get(f"/requests/{request.id}/edit").status_code == 302
    response = world.exporter_client.post(
        f"/requests/{request.id}/edit", data=world.vehicle_form(model="Changed")
    )
    assert response.status_code == 302
    session.refresh(request)
    assert request.model != "Changed"


def test_transitions_are_audited(world, make, session) -> None:
    request = _request(make, world, S.DRAFT)
    world.exporter_client.post(f"/requests/{request.id}/submit")
    world.issuer_client.post(f"/review/{request.id}/approve")
    actions = session.scalars(
        sa.select(AuditEntry.action)
        .where(AuditEntry.object_type == "LetterRequest", AuditEntry.object_id == str(request.id))
        .order_by(AuditEntry.id)
    ).all()
    assert actions == ["request.submitted", "request.approved"]


def test_submit_is_refused_once_the_outlets_are_gone(world, make, session) -> None:
    request = _request(make, world, S.DRAFT)
    request.country = "UZ"  # the brand has no outlet there
    session.flush()
    response = world.exporter_client.post(f"/requests/{request.id}/submit", follow_redirects=True)
    assert "has no active after-sales outlet for BYD in UZ" in response.get_data(as_text=True)
    session.refresh(request)
    assert request.status is S.DRAFT
