"""Notices to an organisation, and how far each user has read them."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, enum_column, utcnow


class NoticeKind(enum.StrEnum):
    LETTER_READY = "letter_ready"
    REQUEST_REJECTED = "request_rejected"
    LETTER_REVOKED = "letter_revoked"


class Notification(Base):
    """Something an organisation's users should know: a letter ready, a request rejected, a
    letter revoked. The VIN, letter number and reason are copied so the list needs no joins."""

    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_organisation_id_id", "organisation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    kind: Mapped[NoticeKind] = mapped_column(enum_column(NoticeKind, 24))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    request_id: Mapped[int | None] = mapped_column(sa.ForeignKey("letter_request.id"))
    letter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("letter.id"))
    vin: Mapped[str] = mapped_column(sa.String(17), default="")
    letter_number: Mapped[str] = mapped_column(sa.String(32), default="")
    reason: Mapped[str] = mapped_column(sa.String(1000), default="")


class NotificationCursor(Base):
    """The newest notice a user has seen: everything of their organisation after it is unread."""

    __tablename__ = "notification_cursor"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), primary_key=True)
    last_seen_id: Mapped[int] = mapped_column(default=0)
