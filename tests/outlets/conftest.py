"""Outlet fixtures: a valid record to start from, and outlets made through the service."""

from __future__ import annotations

from datetime import date

import pytest

from portal.accounts.models import Organisation
from portal.outlets import service


def outlet_row(org: Organisation, **fields: object) -> dict[str, object]:
    """Returns a valid raw record (as a form or CSV row gives it) for the organisation."""
    row: dict[str, object] = {
        "outlet_code": "DE-BER-01",
        "country": "DE",
        "city": "Berlin",
        "name_local": "Autohaus Mitte",
        "name_latin": "Autohaus Mitte",
        "address": "Invalidenstraße 1",
        "postcode": "10115",
        "phone": "030 1234567",
        "email": "service@autohaus.example",
        "website": "https://autohaus.example",
        "contact_person": "Jana Schulz",
        "service_types": "repair;maintenance",
        "brands": org.brands[0].name,
        "active_from": "2026-01-01",
        "active_until": "",
        "latitude": "52.52",
        "longitude": "13.405",
    }
    row.update(fields)
    return row


@pytest.fixture
def manufacturer(make):
    return make.organisation()


@pytest.fixture
def make_outlet(session):
    """Returns a function creating an outlet through the service (the first version)."""

    def create(org: Organisation, actor=None, **fields: object):
        return service.create_outlet(
            session, manufacturer=org, raw=outlet_row(org, **fields), actor=actor
        )

    return create


DAY = date(2026, 5, 1)
