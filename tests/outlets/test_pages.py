"""The manufacturer's outlet pages: who may open what, and the forms doing their work."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from portal.accounts.roles import Role
from portal.outlets.models import Outlet, OutletVersion
from tests.outlets.conftest import outlet_row

EDITORS = [Role.MANUFACTURER_ADMIN, Role.MANUFACTURER_ISSUER]


def _read_urls(outlet):
    return [
        "/outlets",
        "/outlets/country/DE",
        f"/outlets/{outlet.id}",
        "/outlets/export.csv",
        "/outlets/template.csv",
    ]


def _edit_urls(outlet):
    return [
        ("GET", "/outlets/new"),
        ("GET", f"/outlets/{outlet.id}/edit"),
        ("POST", f"/outlets/{outlet.id}/deactivate"),
        ("GET", "/outlets/import"),
    ]


@pytest.mark.parametrize("role", [*EDITORS, Role.MANUFACTURER_VIEWER])
def test_manufacturer_users_read_every_page(login_as, manufacturer, make_outlet, role):
    outlet = make_outlet(manufacturer)
    client = login_as(role, org=manufacturer)
    for url in _read_urls(outlet):
        assert client.get(url).status_code == 200, url
    page = client.get(f"/outlets/{outlet.id}").get_data(as_text=True)
    assert "Germany (DE)" in page and "+49301234567" in page


def test_viewer_cannot_edit(login_as, manufacturer, make_outlet, session):
    outlet = make_outlet(manufacturer)
    client = login_as(Role.MANUFACTURER_VIEWER, org=manufacturer)
    for method, url in _edit_urls(outlet):
        assert client.open(url, method=method).status_code == 403, url
    response = client.post(f"/outlets/{outlet.id}/edit", data=outlet_row(manufacturer, city="X"))
    assert response.status_code == 403
    assert client.post("/outlets/new", data=outlet_row(manufacturer)).status_code == 403
    assert "Edit" not in client.get(f"/outlets/{outlet.id}").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.PLATFORM_ADMIN, Role.EXPORTER_ADMIN, Role.EXPORTER_USER])
def test_other_kinds_of_users_have_no_access(login_as, manufacturer, make_outlet, role):
    outlet = make_outlet(manufacturer)
    client = login_as(role)
    for url in _read_urls(outlet):
        assert client.get(url).status_code == 403, url
    for method, url in _edit_urls(outlet):
        assert client.open(url, method=method).status_code == 403, url
    assert b'href="/outlets"' not in client.get("/", follow_redirects=True).data


def test_another_manufacturers_outlet_is_not_found_everywhere(login_as, make, make_outlet):
    foreign = make_outlet(make.organisation())
    client = login_as(Role.MANUFACTURER_ADMIN)
    org = client.user.organisation
    for method, url, data in [
        ("GET", f"/outlets/{foreign.id}", None),
        ("GET", f"/outlets/{foreign.id}/edit", None),
        ("POST", f"/outlets/{foreign.id}/edit", outlet_row(org, city="Hijacked")),
        ("POST", f"/outlets/{foreign.id}/deactivate", {"last_day": "2026-01-01"}),
        ("GET", "/outlets/999999", None),
    ]:
        assert client.open(url, method=method, data=data).status_code == 404, url
    assert len(foreign.versions) == 1
    assert foreign.code.encode() not in client.get("/outlets/country/DE").data
    assert foreign.code.encode() not in client.get("/outlets/export.csv").data


def test_unpublished_countries_in_the_url_are_not_found(login_as, manufacturer):
    client = login_as(Role.MANUFACTURER_VIEWER, org=manufacturer)
    assert client.get("/outlets/country/XX").status_code == 404
    assert client.get("/outlets/country/de").status_code == 200


@pytest.mark.parametrize("role", EDITORS)
def test_create_edit_deactivate_through_the_forms(login_as, manufacturer, session, role):
    client = login_as(role, org=manufacturer)
    data = outlet_row(
        manufacturer, brands=[manufacturer.brands[0].name], service_types=["repair", "warranty"]
    )
    response = client.post("/outlets/new", data=data)
    assert response.status_code == 302
    outlet = session.scalar(sa.select(Outlet).where(Outlet.manufacturer_id == manufacturer.id))
    assert outlet.current.service_types == ["repair", "warranty"]

    form = client.get(f"/outlets/{outlet.id}/edit").get_data(as_text=True)
    assert 'value="Autohaus Mitte"' in form and 'name="based_on" type="hidden" value="1"' in form
    response = client.post(
        f"/outlets/{outlet.id}/edit", data={**data, "city": "Potsdam", "based_on": "1"}
    )
    assert response.status_code == 302
    session.refresh(outlet)
    assert outlet.current.number == 2 and outlet.current.city == "Potsdam"

    response = client.post(f"/outlets/{outlet.id}/deactivate", data={"last_day": "2026-06-30"})
    assert response.status_code == 302
    session.refresh(outlet)
    assert outlet.current.number == 3 and outlet.current.active_until.isoformat() == "2026-06-30"

    history = client.get(f"/outlets/{outlet.id}").get_data(as_text=True)
    assert "Berlin → Potsdam" in history and "— → 2026-06-30" in history
    assert client.user.name in history


def test_form_errors_are_shown_and_nothing_is_written(login_as, manufacturer, session):
    client = login_as(Role.MANUFACTURER_ADMIN, org=manufacturer)
    data = outlet_row(manufacturer, country="XX", email="nope", name_local="A\u202eB")
    response = client.post("/outlets/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "XX is not an ISO 3166-1 country code" in page
    assert "nope is not an email address" in page
    assert "U+202E" in page
    assert session.scalar(sa.select(sa.func.count(OutletVersion.id))) == 0


def test_a_duplicate_code_is_shown_on_the_form(login_as, manufacturer, make_outlet):
    make_outlet(manufacturer)
    client = login_as(Role.MANUFACTURER_ISSUER, org=manufacturer)
    response = client.post("/outlets/new", data=outlet_row(manufacturer))
    assert response.status_code == 422
    assert "Another outlet already has the code DE-BER-01." in response.get_data(as_text=True)


def test_a_stale_edit_is_refused(login_as, manufacturer, make_outlet, session):
    outlet = make_outlet(manufacturer)
    client = login_as(Role.MANUFACTURER_ADMIN, org=manufacturer)
    client.post(
        f"/outlets/{outlet.id}/edit", data={**outlet_row(manufacturer, city="A"), "based_on": "1"}
    )
    response = client.post(
        f"/outlets/{outlet.id}/edit", data={**outlet_row(manufacturer, city="B"), "based_on": "1"}
    )
    assert response.status_code == 422
    assert "Someone changed this outlet" in response.get_data(as_text=True)
    session.refresh(outlet)
    assert outlet.current.city == "A"


def test_deactivating_before_the_start_is_refused(login_as, manufacturer, make_outlet, session):
    outlet = make_outlet(manufacturer, active_from="2026-01-01")
    client = login_as(Role.MANUFACTURER_ADMIN, org=manufacturer)
    response = client.post(
        f"/outlets/{outlet.id}/deactivate", data={"last_day": "2025-12-31"}, follow_redirects=True
    )
    assert "starts on 2026-01-01" in response.get_data(as_text=True)
    assert len(outlet.versions) == 1


def test_overview_counts_and_country_filters(login_as, manufacturer, make_outlet):
    b0, b1 = (brand.name for brand in manufacturer.brands)
    make_outlet(manufacturer, outlet_code="DE-1", city="Berlin", brands=b0)
    make_outlet(
        manufacturer,
        outlet_code="DE-2",
        city="Hamburg",
        brands=f"{b0};{b1}",
        service_types="roadside",
    )
    make_outlet(manufacturer, outlet_code="DE-3", city="Köln", active_until="2026-01-31")
    client = login_as(Role.MANUFACTURER_VIEWER, org=manufacturer)
    overview = client.get("/outlets").get_data(as_text=True)
    assert "Germany (DE)" in overview and ">2</span>" in overview

    def codes(**query):
        page = client.get("/outlets/country/DE", query_string=query).get_data(as_text=True)
        return [code for code in ("DE-1", "DE-2", "DE-3") if f">{code}<" in page]

    assert codes() == ["DE-1", "DE-2", "DE-3"]
    assert codes(q="hamb") == ["DE-2"]
    assert codes(q="de-3") == ["DE-3"]
    assert codes(q="%") == []
    assert codes(brand=manufacturer.brands[1].id) == ["DE-2"]
    assert codes(service="roadside") == ["DE-2"]
    assert codes(state="active") == ["DE-1", "DE-2"]
    assert codes(state="inactive") == ["DE-3"]


class _TableRows(HTMLParser):
    """Collects the text of each cell of each body row of the page's tables."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self._cell = []

    def handle_endtag(self, tag) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _overview(client) -> dict[str, list[str]]:
    """Returns the overview's rows by their first cell (the country), cells as text."""
    parser = _TableRows()
    parser.feed(client.get("/outlets").get_data(as_text=True))
    return {row[0]: row[1:] for row in parser.rows if row}


def _changed_at(session, outlet, when: datetime) -> None:
    session.execute(
        sa.update(OutletVersion)
        .where(OutletVersion.id == outlet.current_version_id)
        .values(created_at=when)
    )


def test_overview_counts_active_outlets_per_brand_and_shows_the_last_change(
    login_as, make, manufacturer, make_outlet, session
):
    b0, b1 = (brand.name for brand in manufacturer.brands)
    for code, when, fields in [
        ("DE-1", "2026-03-04 10:15", {"brands": b0}),
        ("DE-2", "2026-05-06 07:30", {"brands": f"{b0};{b1}"}),
        ("DE-3", "2026-02-01 12:00", {"brands": b1, "active_until": "2026-01-31"}),
        ("FR-1", "2026-04-01 09:00", {"brands": b1, "country": "FR"}),
    ]:
        outlet = make_outlet(manufacturer, outlet_code=code, **fields)
        _changed_at(session, outlet, datetime.fromisoformat(when).replace(tzinfo=UTC))
    make_outlet(make.organisation(), outlet_code="DE-X")  # another manufacturer's: not counted
    rows = _overview(login_as(Role.MANUFACTURER_VIEWER, org=manufacturer))
    # Columns: active today, one per brand (in the organisation's order), all, last change.
    assert rows == {
        "Germany (DE)": ["2", "2", "1", "3", "2026-05-06 07:30 UTC"],
        "France (FR)": ["1", "0", "1", "1", "2026-04-01 09:00 UTC"],
    }


def test_overview_last_change_follows_the_current_version(
    login_as, manufacturer, make_outlet, session
):
    outlet = make_outlet(manufacturer, outlet_code="DE-1")
    _changed_at(session, outlet, datetime(2026, 3, 4, 10, 15, tzinfo=UTC))
    client = login_as(Role.MANUFACTURER_ADMIN, org=manufacturer)
    assert _overview(client)["Germany (DE)"][-1] == "2026-03-04 10:15 UTC"
    edited = client.post(
        f"/outlets/{outlet.id}/edit", data=outlet_row(manufacturer, outlet_code="DE-1", city="Bonn")
    )
    assert edited.status_code == 302
    session.refresh(outlet)
    expected = outlet.current.created_at.strftime("%Y-%m-%d %H:%M UTC")
    assert expected != "2026-03-04 10:15 UTC"
    assert _overview(client)["Germany (DE)"][-1] == expected


def test_outlets_are_in_the_navigation_of_manufacturers(login_as, manufacturer):
    page = login_as(Role.MANUFACTURER_VIEWER, org=manufacturer).get("/").get_data(as_text=True)
    assert 'href="/outlets"' in page
