"""Telling an exporter's users what happened to their requests and letters, and what they
have not yet read. Each notice is written in the operation's transaction (a rolled-back
issuance leaves no notice) and queued for email, sent only once that transaction commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.notifications.mail import queue_email
from portal.notifications.models import NoticeKind, Notification, NotificationCursor

PAGE_SIZE = 50


def _notify(session: Session, organisation_id: int | None, kind: NoticeKind, **fields: Any):
    if organisation_id is None:  # entered on behalf of an exporter without an account
        return None
    notice = Notification(organisation_id=organisation_id, kind=kind, **fields)
    session.add(notice)
    session.flush()
    queue_email(session, notice)
    return notice


def letter_ready(session: Session, letter: Any) -> Notification | None:
    """Returns the notice to the letter's exporter that it can download the letter."""
    return _notify(
        session,
        letter.exporter_id,
        NoticeKind.LETTER_READY,
        request_id=letter.request_id,
        letter_id=letter.id,
        vin=letter.vin,
        letter_number=letter.number,
    )


def request_rejected(session: Session, request: Any) -> Notification | None:
    """Returns the notice to the request's exporter that the manufacturer rejected it."""
    return _notify(
        session,
        request.exporter_id,
        NoticeKind.REQUEST_REJECTED,
        request_id=request.id,
        vin=request.vin,
        reason=request.rejection_reason[:1000],
    )


def letter_revoked(session: Session, letter: Any) -> Notification | None:
    """Returns the notice to the letter's exporter that the manufacturer revoked it."""
    return _notify(
        session,
        letter.exporter_id,
        NoticeKind.LETTER_REVOKED,
        request_id=letter.request_id,
        letter_id=letter.id,
        vin=letter.vin,
        letter_number=letter.number,
        reason=letter.revocation_reason[:1000],
    )


def last_seen_id(session: Session, user: User) -> int:
    """Returns the id of the newest notice the user has seen (0 for none)."""
    return (
        session.scalar(
            sa.select(NotificationCursor.last_seen_id).where(NotificationCursor.user_id == user.id)
        )
        or 0
    )


def unread_count(session: Session, user: User) -> int:
    """Returns how many of the organisation's notices the user has not seen."""
    seen = sa.select(NotificationCursor.last_seen_id).where(NotificationCursor.user_id == user.id)
    return (
        session.scalar(
            sa.select(sa.func.count(Notification.id)).where(
                Notification.organisation_id == user.organisation_id,
                Notification.id > sa.func.coalesce(seen.scalar_subquery(), 0),
            )
        )
        or 0
    )


def notices_for(session: Session, user: User, *, page: int) -> tuple[Sequence[Notification], int]:
    """Returns one page of the organisation's notices, newest first, and their total."""
    mine = Notification.organisation_id == user.organisation_id
    total = session.scalar(sa.select(sa.func.count(Notification.id)).where(mine)) or 0
    items = session.scalars(
        sa.select(Notification)
        .where(mine)
        .order_by(Notification.id.desc())
        .limit(PAGE_SIZE)
        .offset((max(1, page) - 1) * PAGE_SIZE)
    ).all()
    return items, total


def mark_seen(session: Session, user: User, upto_id: int) -> None:
    """Records that the user has seen every notice up to this one."""
    cursor = session.get(NotificationCursor, user.id)
    if cursor is None:
        session.add(NotificationCursor(user_id=user.id, last_seen_id=upto_id))
    elif upto_id > cursor.last_seen_id:
        cursor.last_seen_id = upto_id
    session.flush()
