"""Letter numbers per manufacturer and year, e.g. HXM-2026-000123: unique and without gaps.

The counter row is incremented inside the issuing transaction. On PostgreSQL the row lock
makes concurrent issuers of one manufacturer wait for each other's commit; a rolled-back
issuance gives its number back. The first letter of a year creates the row; two issuers doing
so at once meet on the primary key, and the loser simply increments the winner's row."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.letters.lifecycle.models import LetterCounter


def format_number(short_code: str, year: int, sequence: int) -> str:
    """Returns the printed letter number."""
    return f"{short_code}-{year}-{sequence:06d}"


def next_sequence(session: Session, manufacturer_id: int, year: int) -> int:
    """Returns the next sequence number of the manufacturer's letters in that year."""
    increment = (
        sa.update(LetterCounter)
        .where(LetterCounter.manufacturer_id == manufacturer_id, LetterCounter.year == year)
        .values(last=LetterCounter.last + 1)
        .returning(LetterCounter.last)
        .execution_options(synchronize_session=False)
    )
    value = session.execute(increment).scalar_one_or_none()
    if value is not None:
        return value
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(LetterCounter)
    session.execute(
        insert.values(manufacturer_id=manufacturer_id, year=year, last=0).on_conflict_do_nothing()
    )
    return session.execute(increment).scalar_one()
