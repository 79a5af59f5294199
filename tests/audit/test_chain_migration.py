"""Entries written before the chain existed are sealed by the migration, in the order they
were written, into a chain that audit-verify accepts."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa

from portal import migrations
from portal.audit.integrity import check_chain
from portal.audit.models import AuditEntry
from portal.db import Database
from tests.conftest import fresh_database


def test_the_migration_chains_existing_entries(tmp_path):
    with fresh_database("chainmig", tmp_path, migrate=False) as url:
        migrations.upgrade(url, "0008_notifications")
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            for n in range(5):
                connection.execute(
                    sa.text(
                        "INSERT INTO audit_entry (at, action, object_type, object_id, details) "
                        "VALUES (:at, :action, '', '', :details)"
                    ),
                    {
                        "at": datetime(2026, 11, 1, 8, n, tzinfo=UTC),
                        "action": f"old.event{n}",
                        "details": json.dumps({"n": n, "name": "漢"}),
                    },
                )
        engine.dispose()
        migrations.upgrade(url)
        db = Database(url)
        with db.session() as session:
            report = check_chain(session)
            seqs = list(session.scalars(sa.select(AuditEntry.seq).order_by(AuditEntry.id)))
        db.engine.dispose()
    assert report.intact, report.first_break
    assert report.entries == 5 and seqs == [1, 2, 3, 4, 5]
