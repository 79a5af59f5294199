"""Editing the database behind the Portal's back, as an intruder with database access would.

On PostgreSQL the Portal's triggers refuse such edits; an intruder holding the superuser role
can switch triggers off for their session (session_replication_role), which is what the
tests do to show that the edit is still detected afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.orm import Session


@contextmanager
def triggers_off(session: Session) -> Iterator[None]:
    """Runs the block with the database's triggers switched off (PostgreSQL superuser)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(sa.text("SET session_replication_role = replica"))
    try:
        yield
    finally:
        if postgres:
            session.execute(sa.text("SET session_replication_role = DEFAULT"))
