"""Browsing and exporting the audit trail: each organisation's administrators see their own
organisation's entries only, the platform administrator every organisation's."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.accounts.roles import OrgKind, Role
from portal.audit.models import AuditEntry
from portal.audit.record import record
from portal.db import utcnow


@pytest.fixture
def two_makers(make, session):
    """Two manufacturers, each with an administrator and entries of its own."""
    orgs = [make.organisation(OrgKind.MANUFACTURER) for _ in range(2)]
    admins = [make.user(Role.MANUFACTURER_ADMIN, org=org) for org in orgs]
    for org, admin in zip(orgs, admins, strict=True):
        record(session, "outlet.created", actor=admin, obj=org, note=f"mark-{org.id}")
        record(session, "letter.revoked", actor=admin, obj=org, reason=f"reason-{org.id}")
    session.commit()
    return orgs, admins


def test_an_organisation_admin_sees_only_their_organisations_trail(two_makers, login_as):
    (mine, theirs), (admin, _other) = two_makers
    page = login_as(admin).get("/audit").get_data(as_text=True)
    assert f"mark-{mine.id}" in page and f"reason-{mine.id}" in page
    assert f"mark-{theirs.id}" not in page and f"reason-{theirs.id}" not in page


def test_the_platform_admin_sees_every_organisation(two_makers, login_as, make):
    (mine, theirs), _admins = two_makers
    operator = make.user(Role.PLATFORM_ADMIN)
    page = login_as(operator).get("/audit").get_data(as_text=True)
    assert f"mark-{mine.id}" in page and f"mark-{theirs.id}" in page
    assert mine.name_en in page and theirs.name_en in page


def test_filters_by_action_actor_object_and_dates(two_makers, login_as):
    (mine, _theirs), (admin, _other) = two_makers
    client = login_as(admin)
    only_revoked = client.get("/audit?action=letter.revoked").get_data(as_text=True)
    assert f"reason-{mine.id}" in only_revoked and f"mark-{mine.id}" not in only_revoked
    by_actor = client.get(f"/audit?actor={admin.email.upper()}").get_data(as_text=True)
    assert f"mark-{mine.id}" in by_actor
    nobody = client.get("/audit?actor=nobody-at-all").get_data(as_text=True)
    assert "No entries match." in nobody
    by_object = client.get(f"/audit?object_type=Organisation&object_id={mine.id}")
    assert f"mark-{mine.id}" in by_object.get_data(as_text=True)
    today = utcnow().date()
    past = client.get(f"/audit?until={today - timedelta(days=1)}").get_data(as_text=True)
    assert f"mark-{mine.id}" not in past
    now = client.get(f"/audit?since={today}&until={today}").get_data(as_text=True)
    assert f"mark-{mine.id}" in now


def test_a_malformed_date_is_explained_not_an_error(two_makers, login_as):
    _orgs, (admin, _other) = two_makers
    response = login_as(admin).get("/audit?since=2026-13-45&until=yesterday")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Not a date (YYYY-MM-DD): 2026-13-45" in text
    assert "Not a date (YYYY-MM-DD): yesterday" in text


def test_the_export_holds_the_filtered_trail_with_formulas_neutralised(
    two_makers, login_as, session, make
):
    (mine, theirs), (admin, _other) = two_makers
    formula = '=HYPERLINK("http://evil.example","Click")'
    plotter = make.user(Role.MANUFACTURER_ISSUER, org=mine, name=formula)
    record(session, "letter.revoked", actor=plotter, obj=mine, reason="x")
    session.commit()
    response = login_as(admin).get("/audit/export.csv?action=letter.revoked")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert {row["action"] for row in rows} == {"letter.revoked"}
    assert all(row["organisation"] == mine.name_en for row in rows)
    assert not any(f"reason-{theirs.id}" in row["details"] for row in rows)
    assert "'" + formula in {row["actor_name"] for row in rows}
    assert not any(cell.startswith("=") for row in rows for cell in row.values())
    assert all(len(row["entry_hash"]) == 64 for row in rows)


def test_the_trail_is_in_the_navigation_of_administrators_only(login_as):
    assert 'href="/audit"' in login_as(Role.MANUFACTURER_ADMIN).get("/").get_data(as_text=True)
    assert 'href="/audit"' not in login_as(Role.MANUFACTURER_ISSUER).get("/").get_data(as_text=True)


def test_the_platform_admin_checks_integrity_in_the_browser(login_as, make, session):
    from tests.intruder import triggers_off

    operator = login_as(make.user(Role.PLATFORM_ADMIN))
    entry = record(session, "test.event", n=1)
    session.commit()
    assert "The audit trail is intact" in operator.get("/audit/integrity").get_data(as_text=True)
    with triggers_off(session):
        session.execute(
            sa.update(AuditEntry).where(AuditEntry.id == entry.id).values(details={"n": 2})
        )
    session.commit()
    page = operator.get("/audit/integrity").get_data(as_text=True)
    assert "The audit trail was changed outside the Portal" in page
    assert f"entry #{entry.seq} (row id {entry.id}, test.event" in page


def test_signing_in_and_out_is_in_the_trail(login_as, make, session):
    from portal.accounts.models import User

    admin = make.user(Role.EXPORTER_ADMIN)
    client = login_as(admin)
    client.post("/logout")
    session.expire_all()
    actions = list(
        session.scalars(
            sa.select(AuditEntry.action)
            .where(AuditEntry.object_type == User.__name__, AuditEntry.object_id == str(admin.id))
            .order_by(AuditEntry.id)
        )
    )
    assert actions[-2:] == ["user.signed_in", "user.signed_out"]
