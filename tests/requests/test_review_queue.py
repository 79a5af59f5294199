"""The review queue for hundreds of requests: sorting by every column, the country picker,
acting on every request matching the filter, and the way on from an approval to the letters."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.accounts.roles import OrgKind
from portal.db import utcnow
from portal.requests import transitions
from portal.requests.models import LetterRequest
from portal.requests.queue_order import SORT_KEYS
from portal.requests.states import RequestStatus

S = RequestStatus


@pytest.fixture
def requests(world, make):
    """Six requests to two countries from two exporters, submitted on different days."""
    make.outlet(world.manufacturer, country="UZ")
    other = make.organisation(OrgKind.EXPORTER, name_en="Aral Motors LLP", name_zh=None)
    made = []
    for n, (country, exporter) in enumerate(
        [("KZ", world.exporter), ("UZ", other), ("KZ", other), ("UZ", world.exporter)] * 2
    ):
        made.append(
            make.letter_request(
                manufacturer=world.manufacturer,
                exporter=exporter,
                country=country,
                submitted_at=utcnow() - timedelta(hours=n * 7 % 5),
            )
        )
    return made


def ids_on_page(client, query: str) -> list[int]:
    page = client.get(f"/review?{query}").get_data(as_text=True)
    return [int(i) for i in re.findall(r'<td><a href="/review/(\d+)">', page)]


@pytest.mark.parametrize("key", SORT_KEYS)
def test_every_column_sorts_both_ways(world, requests, key) -> None:
    ascending = ids_on_page(world.issuer_client, f"sort={key}&dir=asc")
    descending = ids_on_page(world.issuer_client, f"sort={key}&dir=desc")
    assert sorted(ascending) == sorted(r.id for r in requests)
    assert descending == ascending[::-1]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("id", lambda r: r.id),
        ("vin", lambda r: r.vin),
        ("country", lambda r: r.country),
        ("submitted", lambda r: r.submitted_at),
    ],
)
def test_sorted_as_the_column_reads(world, requests, key, value) -> None:
    expected = [r.id for r in sorted(requests, key=lambda r: (value(r), r.id))]
    assert ids_on_page(world.issuer_client, f"sort={key}") == expected


def test_sorting_heading_says_how_it_is_sorted(world, requests) -> None:
    page = world.issuer_client.get("/review?sort=country&dir=desc").get_data(as_text=True)
    assert '<th scope="col" aria-sort="descending">' in page
    # the heading links to the other direction, keeping the filters
    assert "sort=country&amp;dir=asc" in page


def test_the_country_filter_is_a_picker_of_the_countries_requested(world, requests) -> None:
    page = world.issuer_client.get("/review").get_data(as_text=True)
    select = re.search(r'<select id="country" name="country">(.*?)</select>', page, re.S)
    values = re.findall(r'value="([A-Z]*)"', select.group(1))
    assert values == ["", "KZ", "UZ"]
    assert len(ids_on_page(world.issuer_client, "country=UZ")) == 4


def test_all_matching_the_filter_on_every_page(world, requests, session) -> None:
    response = world.issuer_client.post(
        "/review/decide?country=UZ&per_page=50",
        data={"all_matching": "1", "decision": "approve"},
    )
    assert response.status_code == 302
    statuses = {r.country: set() for r in requests}
    for r in requests:
        session.refresh(r)
        statuses[r.country].add(r.status)
    assert statuses == {"UZ": {S.APPROVED}, "KZ": {S.SUBMITTED}}


def test_all_matching_is_refused_above_the_bulk_limit(world, requests, session, monkeypatch):
    monkeypatch.setattr(transitions, "MAX_BULK", 3)
    page = world.issuer_client.post(
        "/review/decide?status=submitted",
        data={"all_matching": "1", "decision": "approve"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "More than 3 requests match: narrow the filter" in page
    approved = session.scalar(sa.select(sa.func.count()).where(LetterRequest.status == S.APPROVED))
    assert approved == 0


def test_after_approval_the_approved_stay_in_view_with_the_way_to_their_letters(
    world, requests, session, make
) -> None:
    earlier = make.letter_request(
        manufacturer=world.manufacturer, exporter=world.exporter, status=S.APPROVED
    )
    chosen = [requests[0].id, requests[2].id, requests[4].id]
    response = world.issuer_client.post(
        "/review/decide", data={"request_ids": chosen, "decision": "approve"}
    )
    assert "status=approved" in response.location and "decided_since=" in response.location
    page = world.issuer_client.get(response.location).get_data(as_text=True)
    assert "3 requests approved. They are listed below, ready for their letters." in page
    assert sorted(ids_on_page(world.issuer_client, response.location.split("?", 1)[1])) == chosen
    issue_form = re.search(r'<form method="post" action="/review/issue".*?</form>', page, re.S)
    offered = [int(i) for i in re.findall(r'name="request_ids" value="(\d+)"', issue_form[0])]
    assert sorted(offered) == chosen and earlier.id not in offered
    assert "Issue these 3 letters…" in issue_form[0]
    check = world.issuer_client.post("/review/issue", data={"request_ids": offered})
    html = check.get_data(as_text=True)
    assert "Issue 3 letters?" in html
    confirm = re.search(r'<form method="post" action="/letters/jobs".*?</form>', html, re.S)
    assert (
        sorted(int(i) for i in re.findall(r'name="request_ids" value="(\d+)"', confirm[0]))
        == chosen
    )
