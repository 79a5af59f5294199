"""Finding letters: by VIN, number, exporter, country and standing, only among the letters the
signed-in organisation may see."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest

from portal.accounts.models import Organisation
from portal.accounts.roles import OrgKind, Role
from portal.clock import today_in_china
from portal.db import utcnow
from portal.letters.lifecycle.issuance import issue_letter
from portal.letters.lifecycle.models import Letter, LetterSettings
from portal.letters.lifecycle.service import LetterFilter, letters_of, revoke_letter
from tests.letters.conftest import Issuing


@dataclass
class Letters:
    """One manufacturer's letters in every standing, and a rival's letter to the same exporter."""

    issuing: Issuing
    other_exporter: Organisation
    valid: Letter  # DE, to the usual exporter
    to_kazakhstan: Letter  # KZ, to the other exporter
    revoked: Letter
    superseded: Letter
    correction: Letter  # supersedes `superseded`
    expired: Letter  # issued 10 days ago, valid for 1 day
    rivals: Letter  # another manufacturer's, to the usual exporter

    def ours(self) -> set[int]:
        return {
            letter.id
            for letter in (
                self.valid,
                self.to_kazakhstan,
                self.revoked,
                self.superseded,
                self.correction,
                self.expired,
            )
        }


@pytest.fixture
def letters(issuing, make, session, tmp_path) -> Letters:
    make.outlet(issuing.manufacturer, country="KZ")
    other = make.organisation(OrgKind.EXPORTER, name_en="Silk Road Trading Co., Ltd.")

    def issue(**fields) -> Letter:
        return issue_letter(session, issuing.order(**fields), issuing.context())

    valid = issue()
    to_kazakhstan = issue(
        country="KZ", exporter_id=other.id, exporter_name=other.name_en, exporter_uscc=other.uscc
    )
    revoked = issue()
    revoke_letter(
        session, revoked, reason="not exported", actor=issuing.issuer, master_key=issuing.master_key
    )
    superseded = issue()
    correction = issue(vin=superseded.vin, model="Seal 06 DM-i 2026", supersedes_id=superseded.id)
    rival = Issuing(issuing.app, make, tmp_path)
    rivals = issue_letter(
        session,
        rival.order(exporter_id=issuing.exporter.id, exporter_name=issuing.exporter.name_en),
        rival.context(),
    )
    return Letters(
        issuing,
        other,
        valid,
        to_kazakhstan,
        revoked,
        superseded,
        correction,
        _expired_letter(issuing, session),
        rivals,
    )


def _expired_letter(issuing: Issuing, session) -> Letter:
    session.add(
        LetterSettings(
            manufacturer_id=issuing.manufacturer.id, body_zh="正文", body_en="Body", validity_days=1
        )
    )
    ten_days_ago = utcnow() - timedelta(days=10)
    return issue_letter(session, issuing.order(), issuing.context(now=ten_days_ago))


def _found(session, org, **filters) -> set[int]:
    return {letter.id for letter in session.scalars(letters_of(org, LetterFilter(**filters)))}


def test_a_manufacturer_finds_only_its_own_letters(letters, session):
    manufacturer = letters.issuing.manufacturer
    assert _found(session, manufacturer) == letters.ours()
    assert letters.rivals.id not in _found(session, manufacturer, text=letters.rivals.vin)
    assert _found(session, letters.rivals.manufacturer) == {letters.rivals.id}


def test_an_exporter_finds_only_the_letters_addressed_to_it(letters, session, make):
    exporter = letters.issuing.exporter
    assert _found(session, exporter) == letters.ours() - {letters.to_kazakhstan.id} | {
        letters.rivals.id
    }
    assert _found(session, letters.other_exporter) == {letters.to_kazakhstan.id}
    assert _found(session, make.organisation(OrgKind.OPERATOR)) == set()


def test_search_text_matches_part_of_a_vin_number_or_exporter_name(letters, session):
    manufacturer = letters.issuing.manufacturer
    vin_tail = letters.valid.vin[-8:].lower()
    assert _found(session, manufacturer, text=vin_tail) == {letters.valid.id}
    number = letters.revoked.number
    assert _found(session, manufacturer, text=f"  {number.lower()} ") == {letters.revoked.id}
    assert _found(session, manufacturer, text="silk road") == {letters.to_kazakhstan.id}
    assert _found(session, manufacturer, text="no such letter") == set()


def test_search_by_country(letters, session):
    manufacturer = letters.issuing.manufacturer
    assert _found(session, manufacturer, country="kz") == {letters.to_kazakhstan.id}
    assert _found(session, manufacturer, country="DE") == letters.ours() - {
        letters.to_kazakhstan.id
    }
    assert _found(session, manufacturer, country="FR") == set()


def test_search_by_standing(letters, session):
    manufacturer = letters.issuing.manufacturer
    today = today_in_china()
    by = {
        standing: _found(session, manufacturer, standing=standing, today=today)
        for standing in ("valid", "expired", "revoked", "superseded")
    }
    assert by == {
        "valid": {letters.valid.id, letters.to_kazakhstan.id, letters.correction.id},
        "expired": {letters.expired.id},
        "revoked": {letters.revoked.id},
        "superseded": {letters.superseded.id},
    }
    # A letter is valid through its last day and expired from the day after.
    last_day, valid = letters.valid.valid_until, letters.valid.id
    assert valid in _found(session, manufacturer, standing="valid", today=last_day)
    assert valid not in _found(session, manufacturer, standing="expired", today=last_day)
    after = last_day + timedelta(days=1)
    assert valid in _found(session, manufacturer, standing="expired", today=after)
    assert valid not in _found(session, manufacturer, standing="valid", today=after)


def test_filters_combine(letters, session):
    manufacturer = letters.issuing.manufacturer
    vin = letters.superseded.vin
    assert _found(session, manufacturer, text=vin) == {letters.superseded.id, letters.correction.id}
    assert _found(session, manufacturer, text=vin, standing="valid") == {letters.correction.id}
    assert _found(session, manufacturer, text=vin, country="KZ") == set()


def _listed(client, **query) -> set[int]:
    response = client.get("/letters", query_string=query)
    assert response.status_code == 200
    # The rows' own links: a superseded row also links to the letter replacing it.
    rows = re.findall(
        r'data-label="Letter number"><a href="/letters/(\d+)"', response.get_data(as_text=True)
    )
    return {int(i) for i in rows}


def test_the_letters_page_searches_the_manufacturers_own_letters(letters, login_as):
    viewer = login_as(Role.MANUFACTURER_VIEWER, org=letters.issuing.manufacturer)
    assert _listed(viewer) == letters.ours()
    assert _listed(viewer, q=letters.rivals.vin) == set()
    assert _listed(viewer, q=letters.valid.vin) == {letters.valid.id}
    assert _listed(viewer, q="Silk Road") == {letters.to_kazakhstan.id}
    assert _listed(viewer, country="KZ") == {letters.to_kazakhstan.id}
    assert _listed(viewer, standing="expired") == {letters.expired.id}
    assert _listed(viewer, standing="superseded") == {letters.superseded.id}
    page = viewer.get("/letters", query_string={"q": "nothing like this"}).get_data(as_text=True)
    assert "No letters match." in page


def test_the_letters_page_shows_an_exporter_only_its_letters(letters, login_as, make):
    exporter = login_as(make.user(Role.EXPORTER_USER, org=letters.issuing.exporter))
    mine = letters.ours() - {letters.to_kazakhstan.id} | {letters.rivals.id}
    assert _listed(exporter) == mine
    assert _listed(exporter, q=letters.to_kazakhstan.vin) == set()
    assert _listed(exporter, standing="revoked") == {letters.revoked.id}
    other = login_as(make.user(Role.EXPORTER_USER, org=letters.other_exporter))
    assert _listed(other) == {letters.to_kazakhstan.id}
