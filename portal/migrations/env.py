"""Runs migrations on the configured database, or on a connection handed in by the caller."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from portal.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: sa.engine.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = sa.create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("The Portal's migrations run online only.")
run_migrations_online()
