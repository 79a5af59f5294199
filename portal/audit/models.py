"""Audit entries and the head of their hash chain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.audit.chain import ChainedContent
from portal.db import Base, utcnow


class AuditEntry(Base):
    """One state change. Sealed into the chain when its transaction commits: from then on
    its seq, predecessor hash and hash are set and (on PostgreSQL) the row cannot change."""

    __tablename__ = "audit_entry"
    __table_args__ = (sa.Index("ix_audit_entry_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(40), default="")
    object_id: Mapped[str] = mapped_column(sa.String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    seq: Mapped[int | None] = mapped_column(unique=True)
    prev_hash: Mapped[str | None] = mapped_column(sa.String(64))
    entry_hash: Mapped[str | None] = mapped_column(sa.String(64))

    def chained_content(self) -> ChainedContent:
        """Returns what the entry's hash covers."""
        if self.seq is None:
            raise ValueError("an entry is chained only once it has its place in the chain")
        return ChainedContent(
            seq=self.seq,
            at=self.at,
            actor_id=self.actor_id,
            organisation_id=self.organisation_id,
            action=self.action,
            object_type=self.object_type,
            object_id=self.object_id,
            details=self.details or {},
        )


class AuditChainHead(Base):
    """The one row naming the newest sealed entry. Locked while a transaction seals its
    entries, so concurrent writers append one after the other; it also shows entries
    deleted from the end of the chain."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(sa.String(64))
