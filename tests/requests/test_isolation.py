"""Exporters never see each other's requests; a manufacturer sees only the requests addressed
to it, and only once submitted. Foreign requests are not found (404), never forbidden."""

from __future__ import annotations

import pytest

from portal.accounts.roles import OrgKind, Role
from portal.requests.states import RequestStatus


@pytest.fixture
def two_exporters(make, login_as, world):
    rival = make.organisation(OrgKind.EXPORTER)
    mine = make.letter_request(
        manufacturer=world.manufacturer,
        exporter=world.exporter,
        status=RequestStatus.DRAFT,
        attachment_key="certificate-scans/a.pdf",
        attachment_content_type="application/pdf",
    )
    theirs = make.letter_request(
        manufacturer=world.manufacturer,
        exporter=rival,
        status=RequestStatus.DRAFT,
        attachment_key="certificate-scans/b.pdf",
        attachment_content_type="application/pdf",
    )
    return mine, theirs, login_as(Role.EXPORTER_ADMIN, org=rival)


def test_list_shows_only_own_requests(two_exporters, world) -> None:
    mine, theirs, rival_client = two_exporters
    page = world.exporter_client.get("/requests").get_data(as_text=True)
    assert mine.vin in page and theirs.vin not in page
    page = rival_client.get("/requests").get_data(as_text=True)
    assert theirs.vin in page and mine.vin not in page


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/requests/{id}"),
        ("get", "/requests/{id}/edit"),
        ("post", "/requests/{id}/edit"),
        ("post", "/requests/{id}/submit"),
        ("post", "/requests/{id}/withdraw"),
        ("get", "/requests/{id}/attachment"),
    ],
)
def test_another_exporters_request_is_not_found(two_exporters, session, method, path) -> None:
    mine, _theirs, rival_client = two_exporters
    response = getattr(rival_client, method)(path.format(id=mine.id))
    assert response.status_code == 404
    session.refresh(mine)
    assert mine.status is RequestStatus.DRAFT


def test_a_request_for_someone_else_is_not_found_in_the_exporter_view(world, make) -> None:
    on_behalf = make.letter_request(
        manufacturer=world.manufacturer,
        exporter_name="No Account Ltd",
        exporter_uscc="91440300MA5F00001X",
    )
    assert world.exporter_client.get(f"/requests/{on_behalf.id}").status_code == 404


@pytest.fixture
def two_manufacturers(make, login_as, world):
    other = make.organisation(OrgKind.MANUFACTURER)
    make.outlet(other, country="KZ")
    to_us = make.letter_request(manufacturer=world.manufacturer, exporter=world.exporter)
    to_them = make.letter_request(manufacturer=other, exporter=world.exporter)
    return to_us, to_them, login_as(Role.MANUFACTURER_ADMIN, org=other)


def test_queue_shows_only_requests_addressed_to_the_manufacturer(two_manufacturers, world):
    to_us, to_them, other_client = two_manufacturers
    page = world.issuer_client.get("/review?status=").get_data(as_text=True)
    assert to_us.vin in page and to_them.vin not in page
    page = other_client.get("/review?status=").get_data(as_text=True)
    assert to_them.vin in page and to_us.vin not in page


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/review/{id}"),
        ("post", "/review/{id}/approve"),
        ("post", "/review/{id}/reject"),
        ("get", "/requests/{id}/attachment"),
    ],
)
def test_a_request_to_another_manufacturer_is_not_found(
    two_manufacturers, session, method, path
) -> None:
    to_us, _to_them, other_client = two_manufacturers
    response = getattr(other_client, method)(path.format(id=to_us.id), data={"reason": "x"})
    assert response.status_code == 404
    session.refresh(to_us)
    assert to_us.status is RequestStatus.SUBMITTED


def test_bulk_decision_including_a_foreign_request_changes_nothing(
    two_manufacturers, session
) -> None:
    to_us, to_them, other_client = two_manufacturers
    response = other_client.post(
        "/review/decide", data={"request_ids": [to_us.id, to_them.id], "decision": "approve"}
    )
    assert response.status_code == 404
    for request in (to_us, to_them):
        session.refresh(request)
        assert request.status is RequestStatus.SUBMITTED


def test_drafts_stay_invisible_to_the_manufacturer(world, make) -> None:
    draft = make.letter_request(
        manufacturer=world.manufacturer, exporter=world.exporter, status=RequestStatus.DRAFT
    )
    assert draft.vin not in world.issuer_client.get("/review?status=").get_data(as_text=True)
    assert world.issuer_client.get(f"/review/{draft.id}").status_code == 404
    assert world.issuer_client.post(f"/review/{draft.id}/approve").status_code == 404
    assert world.issuer_client.get(f"/requests/{draft.id}/attachment").status_code == 404


@pytest.mark.parametrize(
    "path", ["/requests", "/requests/new", "/requests/batch", "/requests/template.csv"]
)
def test_manufacturers_do_not_use_the_exporter_pages(world, path) -> None:
    assert world.issuer_client.get(path).status_code == 403


@pytest.mark.parametrize("path", ["/review", "/review/new"])
def test_exporters_do_not_use_the_review_pages(world, path) -> None:
    assert world.exporter_client.get(path).status_code == 403
