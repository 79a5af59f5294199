"""How far a batch has come: letters issued, waiting, the share done, the time left, and
the rows the page has not yet seen issued (or waiting).

Every letter of a batch carries the batch's moment as its issue time, so the pace comes from
the job: its start, and its runner's heartbeat after each letter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.letters.batches.models import IssueJob, JobStatus
from portal.letters.lifecycle.models import Letter


@dataclass(frozen=True)
class RowState:
    position: int
    state: str  # "issued", "waiting", "queued"
    number: str
    letter_id: int | None
    problem: str


@dataclass(frozen=True)
class JobProgress:
    status: JobStatus
    total: int
    issued: int
    waiting: int
    seconds_left: int | None  # None until a first letter gives the pace
    rows: list[RowState]

    @property
    def percent(self) -> int:
        if self.total == 0:
            return 100
        return (self.issued + self.waiting) * 100 // self.total


def seconds_left(job: IssueJob, done: int, remaining: int, now: datetime) -> int | None:
    """Returns the time the remaining letters take at the pace of those done so far, counted
    from the job's start to its runner's last word (it speaks after every letter)."""
    if remaining <= 0:
        return 0
    if done == 0 or job.heartbeat_at is None:
        return None
    pace = (job.heartbeat_at - job.created_at).total_seconds() / done
    return max(1, round(remaining * pace - (now - job.heartbeat_at).total_seconds()))


def job_progress(
    session: Session, job: IssueJob, *, now: datetime, from_position: int = 0
) -> JobProgress:
    """Returns the job's progress; `rows` holds the issued and waiting rows from
    `from_position` on (the rows still queued are not listed)."""
    letters: dict[int, str] = {
        letter_id: number
        for letter_id, number in session.execute(
            sa.select(Letter.id, Letter.number).where(
                Letter.id.in_([item.letter_id for item in job.items if item.letter_id])
            )
        )
    }
    rows: list[RowState] = []
    waiting = 0
    for item in job.items:
        if item.letter_id is None and item.error:
            waiting += 1
        if item.position < from_position:
            continue
        if item.letter_id is not None:
            rows.append(
                RowState(item.position, "issued", letters[item.letter_id], item.letter_id, "")
            )
        elif item.error:
            rows.append(RowState(item.position, "waiting", "", None, item.error))
    finished = job.status in (JobStatus.DONE, JobStatus.WAITING)
    remaining = 0 if finished else job.total - len(letters) - waiting
    return JobProgress(
        status=job.status,
        total=job.total,
        issued=len(letters),
        waiting=waiting,
        seconds_left=seconds_left(job, len(letters) + waiting, remaining, now),
        rows=rows,
    )
