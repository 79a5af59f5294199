"""Batch issuance jobs and their items."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organisation, User
from portal.db import Base, enum_column, utcnow


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"  # every item is issued
    WAITING = "waiting"  # some items failed and keep their numbers until retried


class IssueJob(Base):
    """Letters issued in the background for many approved requests at once."""

    __tablename__ = "issue_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    manufacturer_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus, 16), default=JobStatus.QUEUED)
    year: Mapped[int]  # the year of the reserved numbers
    total: Mapped[int]
    # Who is working on the job, and when they last said so: a silent runner has crashed.
    runner: Mapped[str | None] = mapped_column(sa.String(64))
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    manufacturer: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()
    items: Mapped[list[IssueJobItem]] = relationship(
        order_by="IssueJobItem.position", back_populates="job"
    )


class IssueJobItem(Base):
    """One request of a job, with its reserved number, its letter once issued, or the
    problem that keeps it waiting."""

    __tablename__ = "issue_job_item"

    job_id: Mapped[int] = mapped_column(sa.ForeignKey("issue_job.id"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("letter_request.id"), index=True)
    sequence: Mapped[int | None]  # None: refused before a number was reserved
    letter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("letter.id"))
    error: Mapped[str] = mapped_column(sa.String(500), default="")

    job: Mapped[IssueJob] = relationship(back_populates="items")
