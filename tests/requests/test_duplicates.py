"""Duplicate flags in the review queue and on a request: a letter valid today for the same
VIN (for any destination, from a request or issued directly), and other pending requests for
it, for another country or the same one."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from flask import current_app

from portal.accounts.roles import OrgKind
from portal.db import utcnow
from portal.letters.lifecycle.context import issuance_context, master_key
from portal.letters.lifecycle.issuance import issue_letter
from portal.letters.lifecycle.models import Letter, LetterStatus
from portal.letters.lifecycle.orders import LetterOrder
from portal.letters.lifecycle.requests_link import order_for_request
from portal.letters.lifecycle.service import revoke_letter
from portal.requests import transitions
from portal.requests.duplicates import DuplicateKind, duplicate_flags
from portal.requests.states import RequestStatus
from tests.requests.conftest import BYD_VIN, BYD_VIN_2

S = RequestStatus


@pytest.fixture
def issue(app, world, make, session):
    """Returns a function issuing a real letter for a BYD vehicle of the world's manufacturer,
    directly unless a request is given, `days_ago` days ago (today by default)."""
    make.outlet(world.manufacturer, country="UZ")

    def issue_for(vin=BYD_VIN, country="KZ", *, days_ago=0, request=None, **fields) -> Letter:
        context = issuance_context(app, world.issuer_client.user)
        context = replace(context, now=context.now - timedelta(days=days_ago))
        if days_ago:
            make.keys_since(world.manufacturer, context.now, context.master_key)
        if request is not None:
            return issue_letter(session, order_for_request(request), context)
        day = context.now.date()
        order = LetterOrder(
            manufacturer_id=world.manufacturer.id,
            brand_id=world.brand.id,
            model="Song Plus DM-i",
            vin=vin,
            registration_date=day - timedelta(days=40),
            transfer_registration_date=day - timedelta(days=5),
            country=country,
            exporter_name=world.exporter.name_en,
            exporter_uscc=world.exporter.uscc,
            exporter_id=world.exporter.id,
            **fields,
        )
        return issue_letter(session, order, context)

    return issue_for


def test_duplicate_flags_for_other_requests(world, make, session) -> None:
    make.outlet(world.manufacturer, country="UZ")
    m, e = world.manufacturer, world.exporter
    first = make.letter_request(manufacturer=m, exporter=e, vin=BYD_VIN, country="KZ")
    other_country = make.letter_request(manufacturer=m, exporter=e, vin=BYD_VIN, country="UZ")
    again = make.letter_request(
        manufacturer=m, exporter=e, vin=BYD_VIN, country="KZ", status=S.APPROVED
    )
    # Marked issued but with no letter valid today: only letters say a vehicle is confirmed.
    make.letter_request(manufacturer=m, exporter=e, vin=BYD_VIN, country="KZ", status=S.ISSUED)
    make.letter_request(manufacturer=m, exporter=e, vin=BYD_VIN, status=S.WITHDRAWN)
    make.letter_request(manufacturer=m, exporter=e, vin=BYD_VIN, status=S.REJECTED)
    make.letter_request(manufacturer=m, exporter=e, vin=BYD_VIN, status=S.DRAFT)
    alone = make.letter_request(manufacturer=m, exporter=e, vin=BYD_VIN_2)
    flags = {(f.kind, f.request_id) for f in duplicate_flags(session, first)}
    assert flags == {
        (DuplicateKind.OTHER_COUNTRY, other_country.id),
        (DuplicateKind.SAME_COUNTRY, again.id),
    }
    assert duplicate_flags(session, alone) == []
    page = world.issuer_client.get(f"/review/{first.id}").get_data(as_text=True)
    assert f"Also requested for UZ (#{other_country.id})" in page
    assert f'href="/review/{other_country.id}"' in page
    assert f"Requested again for KZ (#{again.id})" in page
    assert "Already confirmed" not in page and "Valid letters for this vehicle" not in page
    queue_page = world.issuer_client.get("/review").get_data(as_text=True)
    assert f"Also requested for KZ (#{first.id})" in queue_page


def test_a_valid_letter_flags_the_vin_and_links_to_the_letter(world, make, issue, session):
    m, e = world.manufacturer, world.exporter
    answered = make.letter_request(manufacturer=m, exporter=e, vin=BYD_VIN, status=S.APPROVED)
    letter = issue(request=answered)
    transitions.mark_issued(session, answered, actor=world.issuer_client.user)
    pending = make.letter_request(manufacturer=m, exporter=e, vin=BYD_VIN, country="UZ")
    [flag] = duplicate_flags(session, pending)
    assert (flag.kind, flag.letter_id, flag.letter_number) == (
        DuplicateKind.ISSUED,
        letter.id,
        letter.number,
    )
    assert (flag.country, flag.valid_until) == ("KZ", letter.valid_until)
    # Its own letter answers it; the pending request is still shown.
    assert [f.kind for f in duplicate_flags(session, answered)] == [DuplicateKind.OTHER_COUNTRY]
    queue_page = world.issuer_client.get("/review").get_data(as_text=True)
    badge = f'href="/letters/{letter.id}">Already confirmed for KZ ({letter.number})</a>'
    assert badge in queue_page
    page = world.issuer_client.get(f"/review/{pending.id}").get_data(as_text=True)
    assert "Valid letters for this vehicle" in page
    assert f'<a href="/letters/{letter.id}">{letter.number}</a>' in page
    own = world.issuer_client.get(f"/review/{answered.id}").get_data(as_text=True)
    assert "Valid letters for this vehicle" not in own
    assert f'<a href="/letters/{letter.id}">{letter.number}</a>' in own  # its letter, issued


def test_a_letter_issued_without_a_request_flags_the_vin(world, make, issue, session):
    letter = issue(country="UZ")
    pending = make.letter_request(manufacturer=world.manufacturer, vin=BYD_VIN, country="KZ")
    assert [(f.kind, f.letter_id) for f in duplicate_flags(session, pending)] == [
        (DuplicateKind.ISSUED, letter.id)
    ]
    queue_page = world.issuer_client.get("/review").get_data(as_text=True)
    assert f'href="/letters/{letter.id}">Already confirmed for UZ ({letter.number})' in queue_page


def _revoked(world, issue, session) -> list[Letter]:
    letter = issue()
    revoke_letter(
        session,
        letter,
        reason="Not exported.",
        actor=world.issuer_client.user,
        master_key=master_key(current_app),
    )
    return [letter]


def _superseded(world, issue, session) -> list[Letter]:
    old = issue()
    new = issue(supersedes_id=old.id)
    assert old.status is LetterStatus.SUPERSEDED
    revoke_letter(
        session,
        new,
        reason="Not exported.",
        actor=world.issuer_client.user,
        master_key=master_key(current_app),
    )
    return [old, new]


def _expired(world, issue, session) -> list[Letter]:
    letter = issue(days_ago=200)  # valid for 180 days
    assert letter.valid_until < utcnow().date()
    return [letter]


@pytest.mark.parametrize("letters", [_revoked, _superseded, _expired])
def test_letters_no_longer_valid_do_not_flag(world, make, issue, session, letters) -> None:
    gone = letters(world, issue, session)
    pending = make.letter_request(manufacturer=world.manufacturer, vin=BYD_VIN, country="UZ")
    assert duplicate_flags(session, pending) == []
    for page in (f"/review/{pending.id}", "/review"):
        text = world.issuer_client.get(page).get_data(as_text=True)
        assert "Already confirmed" not in text and "Valid letters for this vehicle" not in text
        assert all(f"/letters/{letter.id}" not in text for letter in gone)


def test_a_superseding_letter_flags_in_place_of_the_old_one(world, make, issue, session):
    old = issue()
    new = issue(supersedes_id=old.id)
    pending = make.letter_request(manufacturer=world.manufacturer, vin=BYD_VIN, country="UZ")
    assert [f.letter_id for f in duplicate_flags(session, pending)] == [new.id]


def test_duplicates_of_another_manufacturer_are_not_shown(world, make, session) -> None:
    other = make.organisation(OrgKind.MANUFACTURER)
    mine = make.letter_request(manufacturer=world.manufacturer, vin=BYD_VIN)
    make.letter_request(manufacturer=other, vin=BYD_VIN, country="UZ")
    assert duplicate_flags(session, mine) == []
