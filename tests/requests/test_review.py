"""The manufacturer's review: filters, bulk decisions, the rejection reason reaching the
exporter, and requests entered on behalf of exporters without an account."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.accounts.roles import OrgKind
from portal.accounts.uscc import with_check_character
from portal.db import utcnow
from portal.errors import Conflict, NotFound
from portal.requests import transitions
from portal.requests.models import LetterRequest
from portal.requests.states import RequestStatus
from tests.requests.conftest import BYD_VIN, pdf_bytes, request_count, upload

S = RequestStatus


@pytest.fixture
def queue(world, make):
    """Four requests: two exporters, two countries, two brands, three statuses."""
    make.outlet(world.manufacturer, country="UZ")
    other_exporter = make.organisation(OrgKind.EXPORTER, name_en="Silk Road Autos Ltd")
    week_ago = utcnow() - timedelta(days=7)
    return {
        "kz": make.letter_request(manufacturer=world.manufacturer, exporter=world.exporter),
        "uz": make.letter_request(
            manufacturer=world.manufacturer, exporter=other_exporter, country="UZ"
        ),
        "old": make.letter_request(
            manufacturer=world.manufacturer,
            exporter=world.exporter,
            submitted_at=week_ago,
            brand_id=world.bare_brand.id,
        ),
        "approved": make.letter_request(
            manufacturer=world.manufacturer, exporter=world.exporter, status=S.APPROVED
        ),
    }


def shown(client, query: str, requests) -> set[str]:
    page = client.get(f"/review?{query}").get_data(as_text=True)
    return {name for name, r in requests.items() if f">{r.vin}<" in page}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"kz", "uz", "old"}),  # awaiting a decision, by default
        ("status=", {"kz", "uz", "old", "approved"}),
        ("status=approved", {"approved"}),
        ("status=&country=uz", {"uz"}),
        ("status=submitted&exporter=silk+road", {"uz"}),
    ],
)
def test_filters(world, queue, query, expected) -> None:
    assert shown(world.issuer_client, query, queue) == expected


def test_filter_by_brand_and_dates(world, queue) -> None:
    today = queue["kz"].submitted_at.date()
    assert shown(world.issuer_client, f"status=&brand={world.bare_brand.id}", queue) == {"old"}
    recent = f"status=&submitted_from={(today - timedelta(days=1)).isoformat()}"
    assert shown(world.issuer_client, recent, queue) == {"kz", "uz", "approved"}
    earlier = f"status=&submitted_until={(today - timedelta(days=3)).isoformat()}"
    assert shown(world.issuer_client, earlier, queue) == {"old"}


def test_filter_by_exporter_uscc(world, queue) -> None:
    assert shown(world.issuer_client, f"exporter={world.exporter.uscc}", queue) == {"kz", "old"}


def test_queue_shows_the_rule_answer(world, queue) -> None:
    page = world.issuer_client.get("/review").get_data(as_text=True)
    assert "Letter required (day 30 of 180)" in page


def test_bulk_approve(world, queue, session) -> None:
    ids = [queue["kz"].id, queue["uz"].id]
    response = world.issuer_client.post(
        "/review/decide", data={"request_ids": ids, "decision": "approve"}, follow_redirects=True
    )
    assert "2 requests approved." in response.get_data(as_text=True)
    for name in ("kz", "uz"):
        session.refresh(queue[name])
        assert queue[name].status is S.APPROVED
    session.refresh(queue["old"])
    assert queue["old"].status is S.SUBMITTED


def test_bulk_reject_needs_a_reason_and_shows_it_to_the_exporter(world, queue, session):
    ids = [queue["kz"].id, queue["old"].id]
    response = world.issuer_client.post(
        "/review/decide", data={"request_ids": ids, "decision": "reject"}, follow_redirects=True
    )
    assert "Give the reason" in response.get_data(as_text=True)
    session.refresh(queue["kz"])
    assert queue["kz"].status is S.SUBMITTED
    reason = "The engine number does not match our production records."
    world.issuer_client.post(
        "/review/decide", data={"request_ids": ids, "decision": "reject", "reason": reason}
    )
    session.refresh(queue["kz"])
    assert queue["kz"].status is S.REJECTED
    detail = world.exporter_client.get(f"/requests/{queue['kz'].id}").get_data(as_text=True)
    assert reason in detail
    listing = world.exporter_client.get("/requests?status=rejected").get_data(as_text=True)
    assert "The engine number does not match" in listing


def test_bulk_decision_is_all_or_nothing(world, queue, session) -> None:
    ids = [queue["kz"].id, queue["approved"].id]
    response = world.issuer_client.post(
        "/review/decide", data={"request_ids": ids, "decision": "approve"}, follow_redirects=True
    )
    assert f"#{queue['approved'].id}" in response.get_data(as_text=True)
    session.refresh(queue["kz"])
    assert queue["kz"].status is S.SUBMITTED


def test_bulk_decision_with_nothing_selected(world, queue) -> None:
    response = world.issuer_client.post(
        "/review/decide", data={"decision": "approve"}, follow_redirects=True
    )
    assert "Select at least one request." in response.get_data(as_text=True)


def test_single_reject_reason_reaches_the_exporter(world, queue, session) -> None:
    request = queue["kz"]
    world.issuer_client.post(f"/review/{request.id}/reject", data={"reason": "Wrong brand."})
    page = world.exporter_client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert "Rejected by the manufacturer:" in page and "Wrong brand." in page


def test_mark_issued_after_approval(world, queue, session) -> None:
    request = queue["approved"]
    issuer = world.issuer_client.user
    transitions.mark_issued(session, request, actor=issuer)
    assert request.status is S.ISSUED
    with pytest.raises(Conflict):
        transitions.mark_issued(session, request, actor=issuer)


def test_service_refuses_acting_for_another_organisation(world, make, queue, session) -> None:
    stranger = make.user(world.issuer_client.user.role)  # an issuer of another manufacturer
    with pytest.raises(NotFound):
        transitions.approve_request(session, queue["kz"], actor=stranger)
    assert queue["kz"].status is S.SUBMITTED


# On behalf of exporters without an account.

NO_ACCOUNT_USCC = with_check_character("91650100MA7X00003")


def on_behalf_url(world, country="KZ") -> str:
    return f"/review/new?brand={world.brand.id}&country={country}"


def post_on_behalf(world, url=None, **overrides):
    data = {
        **world.vehicle_form(),
        "exporter_name": "Khorgos Trading LLP",
        "exporter_uscc": NO_ACCOUNT_USCC,
        "certificate": upload(pdf_bytes(), "c.pdf"),
        **overrides,
    }
    return world.issuer_client.post(
        url or on_behalf_url(world), data=data, content_type="multipart/form-data"
    )


def test_on_behalf_request_enters_the_queue(world, session, login_as) -> None:
    assert "Kazakhstan" in world.issuer_client.get("/review/new").get_data(as_text=True)
    response = post_on_behalf(world)
    assert response.status_code == 302
    request = session.scalar(sa.select(LetterRequest).where(LetterRequest.vin == BYD_VIN))
    assert request.exporter_id is None
    assert (request.exporter_name, request.exporter_uscc) == (
        "Khorgos Trading LLP",
        NO_ACCOUNT_USCC,
    )
    assert request.status is S.SUBMITTED and request.on_behalf
    page = world.issuer_client.get("/review").get_data(as_text=True)
    assert "Khorgos Trading LLP" in page and "no account" in page
    assert BYD_VIN not in world.exporter_client.get("/requests").get_data(as_text=True)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"exporter_uscc": NO_ACCOUNT_USCC[:-1] + "9"}, "the check character does not match"),
        ({"exporter_uscc": "123"}, "must have 18 characters"),
        ({"vin": "LSJWJ4W90SZ187922"}, "not a manufacturer identifier"),
    ],
)
def test_on_behalf_bad_input(world, session, overrides, message) -> None:
    before = request_count(session)
    response = post_on_behalf(world, **overrides)
    assert message in response.get_data(as_text=True)
    assert request_count(session) == before


def test_on_behalf_refuses_an_exporter_with_an_account(world, session) -> None:
    before = request_count(session)
    response = post_on_behalf(world, exporter_uscc=world.exporter.uscc)
    assert "has an account on the Portal" in response.get_data(as_text=True)
    assert request_count(session) == before


def test_on_behalf_refuses_a_country_without_outlets(world, session) -> None:
    before = request_count(session)
    response = post_on_behalf(world, url=on_behalf_url(world, "DE"))
    assert "no active after-sales outlet for BYD in DE" in response.get_data(as_text=True)
    assert request_count(session) == before


def test_too_long_a_reason_is_refused_with_its_own_message(world, queue, session) -> None:
    request = queue["kz"]
    response = world.issuer_client.post(
        f"/review/{request.id}/reject", data={"reason": "x" * 1001}, follow_redirects=True
    )
    assert "At most 1000 characters." in response.get_data(as_text=True)
    session.refresh(request)
    assert request.status is S.SUBMITTED
