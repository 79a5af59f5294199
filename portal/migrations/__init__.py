"""Alembic migrations of the Portal's database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

HERE = Path(__file__).parent


def alembic_config(url: str, connection: Connection | None = None) -> Config:
    """Returns an Alembic configuration for the database at url (or on this connection)."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def upgrade(url: str, revision: str = "head", connection: Connection | None = None) -> None:
    """Brings the database up to the given revision (the newest by default)."""
    command.upgrade(alembic_config(url, connection), revision)


def downgrade(url: str, revision: str, connection: Connection | None = None) -> None:
    """Takes the database back to the given revision."""
    command.downgrade(alembic_config(url, connection), revision)
