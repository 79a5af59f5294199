"""The public directory: no sign-in, opt-in per manufacturer, only outlets in service today."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal.accounts.roles import OrgKind, Role
from portal.audit.models import AuditEntry
from portal.outlets import service


def _outlets(org, make_outlet):
    today = service.today()
    make_outlet(org, outlet_code="DE-1", name_local="Werkstatt Eins", active_from="2020-01-01")
    make_outlet(
        org,
        outlet_code="DE-2",
        name_local="Werkstatt Alt",
        active_from="2020-01-01",
        active_until=(today - timedelta(days=1)).isoformat(),
    )
    make_outlet(
        org,
        outlet_code="DE-3",
        name_local="Werkstatt Bald",
        active_from=(today + timedelta(days=1)).isoformat(),
    )
    make_outlet(
        org,
        outlet_code="FR-1",
        country="FR",
        phone="+33 1 42 68 53 00",
        name_local="Garage Un",
        active_from="2020-01-01",
    )


def test_not_opted_in_is_not_found(client, manufacturer, make_outlet):
    _outlets(manufacturer, make_outlet)
    assert client.get(f"/directory/{manufacturer.short_code}").status_code == 404
    assert client.get(f"/directory/{manufacturer.short_code}/DE").status_code == 404
    assert client.get("/directory/NOSUCH").status_code == 404


def test_opted_in_lists_only_active_outlets_without_signing_in(
    client, session, manufacturer, make_outlet
):
    _outlets(manufacturer, make_outlet)
    manufacturer.outlet_directory_public = True
    session.flush()
    countries = client.get(f"/directory/{manufacturer.short_code.lower()}")
    assert countries.status_code == 200
    page = countries.get_data(as_text=True)
    assert "Germany (DE)" in page and "France (FR)" in page
    germany = client.get(f"/directory/{manufacturer.short_code}/de").get_data(as_text=True)
    assert "Werkstatt Eins" in germany
    assert "Werkstatt Alt" not in germany and "Werkstatt Bald" not in germany
    assert "+49301234567" in germany
    assert "Jana Schulz" not in germany  # the contact person stays private
    assert client.get(f"/directory/{manufacturer.short_code}/XX").status_code == 404


def test_only_active_manufacturers_are_listed(client, session, make):
    exporter = make.organisation(OrgKind.EXPORTER, short_code="EXP1", outlet_directory_public=True)
    closed = make.organisation(is_active=False, outlet_directory_public=True)
    session.flush()
    assert client.get(f"/directory/{exporter.short_code}").status_code == 404
    assert client.get(f"/directory/{closed.short_code}").status_code == 404


def test_the_manufacturer_admin_switches_the_directory(login_as, session, manufacturer):
    admin = login_as(Role.MANUFACTURER_ADMIN, org=manufacturer)
    assert 'name="public"' in admin.get("/outlets").get_data(as_text=True)
    assert admin.post("/outlets/directory-settings", data={"public": "y"}).status_code == 302
    session.refresh(manufacturer)
    assert manufacturer.outlet_directory_public is True
    admin.post("/outlets/directory-settings", data={})
    session.refresh(manufacturer)
    assert manufacturer.outlet_directory_public is False
    actions = session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["outlets.directory_published", "outlets.directory_withdrawn"]


def test_only_the_admin_switches_the_directory(login_as, session, manufacturer):
    for role in (Role.MANUFACTURER_ISSUER, Role.MANUFACTURER_VIEWER):
        client = login_as(role, org=manufacturer)
        assert client.post("/outlets/directory-settings", data={"public": "y"}).status_code == 403
        assert 'name="public"' not in client.get("/outlets").get_data(as_text=True)
    session.refresh(manufacturer)
    assert manufacturer.outlet_directory_public is False


def test_the_country_page_is_also_json_with_the_same_outlets(
    client, session, manufacturer, make_outlet
):
    _outlets(manufacturer, make_outlet)
    manufacturer.outlet_directory_public = True
    session.flush()
    url = f"/directory/{manufacturer.short_code}/DE"
    html = client.get(url).get_data(as_text=True)
    assert f'href="{url}?format=json"' in html
    for response in (
        client.get(url + "?format=json"),
        client.get(url, headers={"Accept": "application/json"}),
    ):
        assert response.status_code == 200
        assert response.mimetype == "application/json"
        document = response.get_json()
        assert document["manufacturer"]["short_code"] == manufacturer.short_code
        assert document["country"] == {"code": "DE", "name_en": "Germany"}
        assert [o["name_local"] for o in document["outlets"]] == ["Werkstatt Eins"]
        assert document["outlets"][0]["phone"] == "+49301234567"
        assert "contact_person" not in document["outlets"][0]
    # A browser's usual Accept header still gets the page.
    browser = client.get(url, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert browser.mimetype == "text/html"
    assert client.get(f"/directory/{manufacturer.short_code}/XX?format=json").status_code == 404
