"""Creating, editing and deactivating outlets: versions are added, never changed or deleted."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.accounts.roles import Role
from portal.audit.models import AuditEntry
from portal.errors import Conflict, ValidationError
from portal.outlets import service
from portal.outlets.models import ImmutableVersionError, Outlet, OutletVersion
from tests.outlets.conftest import outlet_row


def _version_rows(session, outlet_id):
    table = OutletVersion.__table__
    rows = session.execute(
        sa.select(table).where(table.c.outlet_id == outlet_id).order_by(table.c.number)
    )
    return [dict(row._mapping) for row in rows]


def test_create_writes_the_first_version_and_an_audit_entry(session, make, manufacturer):
    actor = make.user(Role.MANUFACTURER_ISSUER, org=manufacturer)
    outlet = service.create_outlet(
        session,
        manufacturer=manufacturer,
        raw=outlet_row(manufacturer, outlet_code="de-1"),
        actor=actor,
    )
    assert outlet.code == "DE-1" and outlet.country == "DE"
    assert outlet.current.number == 1 and outlet.current.changed_fields == []
    assert outlet.current.phone == "+49301234567"
    assert outlet.current.created_by is actor
    assert [b.name for b in outlet.current.brands] == [manufacturer.brands[0].name]
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "outlet.created"))
    assert entry.object_id == str(outlet.id) and entry.details["code"] == "DE-1"


def test_duplicate_outlet_code_is_a_conflict(session, manufacturer, make_outlet):
    make_outlet(manufacturer, outlet_code="DE-1")
    with pytest.raises(Conflict) as caught:
        make_outlet(manufacturer, outlet_code="de-1")
    assert caught.value.field == "outlet_code"


def test_the_same_code_at_another_manufacturer_is_fine(make, manufacturer, make_outlet):
    make_outlet(manufacturer, outlet_code="DE-1")
    assert make_outlet(make.organisation(), outlet_code="DE-1").code == "DE-1"


def test_invalid_record_reports_every_field(session, manufacturer):
    raw = outlet_row(manufacturer, outlet_code="", country="XX", brands="Nope")
    with pytest.raises(service.OutletInvalid) as caught:
        service.create_outlet(session, manufacturer=manufacturer, raw=raw, actor=None)
    assert {e.field for e in caught.value.errors} == {"outlet_code", "country", "brands"}
    assert session.scalar(sa.select(sa.func.count(Outlet.id))) == 0


def test_edit_adds_a_version_and_leaves_the_old_one_untouched(
    session, make, manufacturer, make_outlet
):
    outlet = make_outlet(manufacturer)
    first = _version_rows(session, outlet.id)
    editor = make.user(Role.MANUFACTURER_ADMIN, org=manufacturer)
    raw = outlet_row(
        manufacturer, city="Potsdam", brands=";".join(b.name for b in manufacturer.brands)
    )
    version = service.update_outlet(session, outlet, raw=raw, actor=editor, based_on=1)
    assert version.number == 2 and outlet.current is version
    assert version.changed_fields == ["city", "brands"]
    assert version.created_by is editor
    rows = _version_rows(session, outlet.id)
    assert rows[0] == first[0]  # the first version, byte for byte
    assert [row["city"] for row in rows] == ["Berlin", "Potsdam"]
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "outlet.updated"))
    assert entry.details["fields"] == ["city", "brands"]


def test_edit_without_change_writes_nothing(session, manufacturer, make_outlet):
    outlet = make_outlet(manufacturer)
    raw = outlet_row(manufacturer, phone="+49 30 1234567", email="SERVICE@autohaus.example")
    assert service.update_outlet(session, outlet, raw=raw, actor=None) is None
    assert len(_version_rows(session, outlet.id)) == 1


def test_an_outlet_can_move_to_another_country(session, manufacturer, make_outlet):
    outlet = make_outlet(manufacturer)
    raw = outlet_row(manufacturer, country="AT", city="Wien", phone="+43 1 5134567")
    version = service.update_outlet(session, outlet, raw=raw, actor=None)
    assert outlet.country == "AT" and version.country == "AT"
    assert _version_rows(session, outlet.id)[0]["country"] == "DE"


def test_an_edit_based_on_an_old_version_is_refused(session, manufacturer, make_outlet):
    outlet = make_outlet(manufacturer)
    service.update_outlet(session, outlet, raw=outlet_row(manufacturer, city="Potsdam"), actor=None)
    with pytest.raises(Conflict):
        service.update_outlet(
            session, outlet, raw=outlet_row(manufacturer, city="Bonn"), actor=None, based_on=1
        )
    assert outlet.current.city == "Potsdam"


def test_the_code_never_changes(session, manufacturer, make_outlet):
    outlet = make_outlet(manufacturer)
    service.update_outlet(
        session, outlet, raw=outlet_row(manufacturer, outlet_code="OTHER", city="Bonn"), actor=None
    )
    assert outlet.code == "DE-BER-01"


def test_deactivate_ends_service_yesterday_by_default(session, manufacturer, make_outlet):
    outlet = make_outlet(manufacturer)
    version = service.deactivate_outlet(session, outlet, actor=None)
    yesterday = service.today() - timedelta(days=1)
    assert version.active_until == yesterday and version.changed_fields == ["active_until"]
    assert not version.is_active_on(service.today())
    assert _version_rows(session, outlet.id)[0]["active_until"] is None
    assert session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "outlet.deactivated"))


def test_deactivate_on_a_chosen_day_and_its_limits(session, manufacturer, make_outlet):
    outlet = make_outlet(manufacturer, active_from="2026-01-01")
    with pytest.raises(ValidationError, match="starts on 2026-01-01"):
        service.deactivate_outlet(session, outlet, last_day=date(2025, 12, 31), actor=None)
    service.deactivate_outlet(session, outlet, last_day=date(2026, 1, 1), actor=None)
    with pytest.raises(ValidationError, match="already ends on 2026-01-01"):
        service.deactivate_outlet(session, outlet, last_day=date(2026, 3, 1), actor=None)
    assert len(_version_rows(session, outlet.id)) == 2


def test_a_stored_version_cannot_be_changed(session, manufacturer, make_outlet):
    outlet = make_outlet(manufacturer)
    outlet.current.city = "Elsewhere"
    with pytest.raises(ImmutableVersionError):
        session.flush()


def test_a_stored_version_keeps_its_brands(session, manufacturer, make_outlet):
    outlet = make_outlet(manufacturer)
    outlet.current.brands.append(manufacturer.brands[1])
    with pytest.raises(ImmutableVersionError):
        session.flush()


@pytest.mark.parametrize("which", ["outlet", "version"])
def test_outlets_and_versions_are_never_deleted(session, manufacturer, make_outlet, which):
    outlet = make_outlet(manufacturer)
    session.delete(outlet if which == "outlet" else outlet.current)
    with pytest.raises(ImmutableVersionError):
        session.flush()
