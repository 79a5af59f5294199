"""Slowing down guessing: failed attempts per key (an email address, a user's second factor).

The key's row is created if missing and locked before anything is checked, so attempts made
at the same moment are counted one after the other: no more than the free attempts are ever
checked, and two first failures cannot both insert the row.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from portal.accounts.models import LoginThrottle
from portal.errors import PortalError


class LoginThrottled(PortalError):
    status_code = 429


def open_gate(
    session: Session, key: str, *, free_attempts: int, max_delay: int, now: datetime
) -> LoginThrottle:
    """Returns the key's locked throttle row, or raises LoginThrottled while it must wait."""
    throttle = _locked(session, key, now)
    if throttle.failures >= free_attempts:
        delay = min(max_delay, 30 * 2 ** min(throttle.failures - free_attempts, 20))
        wait = (throttle.last_failure_at + timedelta(seconds=delay) - now).total_seconds()
        if wait > 0:
            raise LoginThrottled(
                _(
                    "Too many failed sign-ins for this email address. Try again "
                    "in %(n)d minute(s).",
                    n=max(1, round(wait / 60)),
                )
            )
    return throttle


def note_failure(session: Session, throttle: LoginThrottle, now: datetime) -> None:
    """Counts one more failed attempt."""
    throttle.failures += 1
    throttle.last_failure_at = now
    session.flush()


def _locked(session: Session, key: str, now: datetime) -> LoginThrottle:
    postgresql = session.get_bind().dialect.name == "postgresql"
    insert = (postgresql_insert if postgresql else sqlite_insert)(LoginThrottle)
    session.execute(
        insert.values(email=key, failures=0, last_failure_at=now).on_conflict_do_nothing()
    )
    # FOR UPDATE on PostgreSQL; SQLite's form requests already hold the one write lock.
    return session.scalars(
        sa.select(LoginThrottle)
        .where(LoginThrottle.email == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
