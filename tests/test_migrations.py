"""Migrations build the schema the models describe, on an empty database, both ways."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal import migrations
from portal.models import Base
from tests.conftest import fresh_database


def _differences(url: str) -> list:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    return diff


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    names = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    return names


def test_upgrade_from_empty_matches_the_models(tmp_path):
    with fresh_database("migrations", tmp_path, migrate=False) as url:
        assert _tables(url) == set()
        migrations.upgrade(url)
        assert {"organisation", "user_account", "audit_entry", "outlet_version"} <= _tables(url)
        assert _differences(url) == []


def test_downgrade_to_nothing_and_up_again(tmp_path):
    with fresh_database("migrations", tmp_path, migrate=False) as url:
        migrations.upgrade(url)
        migrations.downgrade(url, "base")
        assert _tables(url) <= {"alembic_version"}
        migrations.upgrade(url)
        assert _differences(url) == []


def test_init_upgrades_an_older_database(tmp_path):
    with fresh_database("migrations", tmp_path, migrate=False) as url:
        migrations.upgrade(url, "0001_foundation")
        assert "outlet" not in _tables(url)
        migrations.upgrade(url)
        assert "outlet" in _tables(url)
