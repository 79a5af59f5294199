"""Which outlets a letter may list: active on the day (both ends inclusive), for the brand."""

from __future__ import annotations

from datetime import date

import pytest

from portal.errors import NotFound
from portal.outlets import queries, service


@pytest.fixture
def may_outlet(manufacturer, make_outlet):
    """Serves the first brand in Germany from 2026-05-01 to 2026-05-31."""
    return make_outlet(manufacturer, active_from="2026-05-01", active_until="2026-05-31")


def _active(session, org, on, *, country="DE", brand=0):
    brand_id = None if brand is None else org.brands[brand].id
    found = queries.outlets_active_in(
        session, manufacturer_id=org.id, country=country, brand_id=brand_id, on=on
    )
    return [version.outlet.code for version in found]


@pytest.mark.parametrize(
    ("day", "listed"),
    [
        (date(2026, 4, 30), False),  # the day before active_from
        (date(2026, 5, 1), True),  # active_from
        (date(2026, 5, 31), True),  # active_until, inclusive
        (date(2026, 6, 1), False),  # the day after active_until
    ],
)
def test_active_at_the_boundaries(session, manufacturer, may_outlet, day, listed):
    assert _active(session, manufacturer, day) == (["DE-BER-01"] if listed else [])
    ask = {"manufacturer_id": manufacturer.id, "country": "DE", "on": day}
    if listed:
        assert service.outlets_for_letter(session, brand_id=manufacturer.brands[0].id, **ask)
    else:
        with pytest.raises(service.NoActiveOutlets):
            service.outlets_for_letter(session, brand_id=manufacturer.brands[0].id, **ask)


def test_open_ended_outlet_stays_active(session, manufacturer, make_outlet):
    make_outlet(manufacturer, active_from="2026-05-01", active_until="")
    assert _active(session, manufacturer, date(2099, 1, 1)) == ["DE-BER-01"]


def test_brand_and_country_filters(session, manufacturer, may_outlet, make_outlet):
    make_outlet(manufacturer, outlet_code="FR-1", country="FR", phone="+33 1 42 68 53 00")
    day = date(2026, 5, 10)
    assert _active(session, manufacturer, day, brand=1) == []
    assert _active(session, manufacturer, day, brand=None) == ["DE-BER-01"]
    assert _active(session, manufacturer, day, country="fr") == ["FR-1"]
    assert queries.countries_with_active_outlets(
        session, manufacturer_id=manufacturer.id, brand_id=manufacturer.brands[0].id, on=day
    ) == ["DE", "FR"]


def test_only_the_current_version_counts(session, manufacturer, may_outlet):
    service.deactivate_outlet(session, may_outlet, last_day=date(2026, 5, 9), actor=None)
    assert _active(session, manufacturer, date(2026, 5, 9)) == ["DE-BER-01"]
    assert _active(session, manufacturer, date(2026, 5, 10)) == []


def test_another_manufacturers_outlets_are_not_listed(session, make, may_outlet):
    other = make.organisation()
    assert _active(session, other, date(2026, 5, 10)) == []


def test_no_outlet_means_no_letter_with_a_clear_message(session, manufacturer, may_outlet):
    brand = manufacturer.brands[1]
    with pytest.raises(service.NoActiveOutlets) as caught:
        service.outlets_for_letter(
            session,
            manufacturer_id=manufacturer.id,
            country="DE",
            brand_id=brand.id,
            on=date(2026, 5, 10),
        )
    assert caught.value.message == (
        f"{manufacturer.name_en} has no outlet serving brand {brand.name} in Germany on "
        "2026-05-10; add one in the outlet directory first."
    )
    assert caught.value.field == "country"


def test_the_letter_query_returns_the_versions(session, manufacturer, may_outlet):
    versions = service.outlets_for_letter(
        session,
        manufacturer_id=manufacturer.id,
        country="de",
        brand_id=manufacturer.brands[0].id,
        on=date(2026, 5, 10),
    )
    assert versions == [may_outlet.current]


def test_a_foreign_brand_is_not_found(session, make, manufacturer, may_outlet):
    other = make.organisation()
    with pytest.raises(NotFound):
        service.outlets_for_letter(
            session,
            manufacturer_id=manufacturer.id,
            country="DE",
            brand_id=other.brands[0].id,
            on=date(2026, 5, 10),
        )
