"""The queue that carries batches to the workers: Dramatiq, on the Redis the Portal already
uses (any number of worker processes on any number of machines), or in memory inside the web
process when no Redis is configured (the embedded default, one command).

A batch becomes chunks of consecutive items; a message names a job and a chunk, nothing
else: the database stays the one truth about what is issued. A worker that dies holding a
message stops beating its heart in Redis, and another worker puts the message back on the
queue (Dramatiq's Redis broker does this); the chunk runs again and finds the letters its
first attempt issued by their issue keys, so nothing is issued twice.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta

import dramatiq
import sqlalchemy as sa
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from flask import Flask

from portal.db import utcnow
from portal.letters.batches.models import IssueJob, IssueJobItem, JobStatus

QUEUE = "letters"
ACTOR = "seal_chunk"
_lock = threading.Lock()


@dataclass
class LetterQueue:
    """One app's broker, its actor, and (embedded) the worker inside the web process."""

    broker: dramatiq.Broker
    actor: dramatiq.Actor
    embedded: bool
    worker: dramatiq.Worker | None = None

    def send(self, job_id: int, first: int, last: int) -> None:
        self.actor.send(job_id, first, last)


def letter_queue(app: Flask) -> LetterQueue:
    """Returns the app's queue, making it on first use."""
    with _lock:
        queue = app.extensions.get("portal_letter_queue")
        if queue is None:
            queue = _make_queue(app)
            app.extensions["portal_letter_queue"] = queue
        return queue


def _make_queue(app: Flask) -> LetterQueue:
    url = app.config.get("QUEUE_URL") or app.config.get("REDIS_URL")
    if url:
        broker: dramatiq.Broker = RedisBroker(
            url=url,
            namespace=app.config["QUEUE_NAMESPACE"],
            heartbeat_timeout=app.config["QUEUE_HEARTBEAT_SECONDS"] * 1000,
            # Every fetch looks for dead workers' messages: fetches are rare (a chunk takes
            # seconds), so the check costs nothing and a lost chunk comes back quickly.
            maintenance_chance=1_000_000,
        )
    else:
        broker = StubBroker()

    def seal_chunk(job_id: int, first: int, last: int) -> None:
        from portal.letters.batches.service import run_chunk

        run_chunk(app, job_id, first, last)

    actor = dramatiq.Actor(
        seal_chunk,
        broker=broker,
        actor_name=ACTOR,
        queue_name=QUEUE,
        priority=0,
        options={"max_retries": 5, "min_backoff": 1000, "time_limit": 30 * 60 * 1000},
    )
    return LetterQueue(broker=broker, actor=actor, embedded=not url)


def chunks(items: list[IssueJobItem], size: int) -> list[tuple[int, int]]:
    """Returns (first, last) positions of consecutive items, size at a time."""
    positions = sorted(item.position for item in items)
    return [
        (positions[i], positions[min(i + size, len(positions)) - 1])
        for i in range(0, len(positions), size)
    ]


def dispatch(app: Flask, job: IssueJob) -> int:
    """Sends the job's pending items to the workers, a chunk a message; returns how many
    messages. Call it after the job is committed: a worker must find it."""
    pending = [i for i in job.items if i.letter_id is None and i.sequence is not None]
    queue = letter_queue(app)
    pieces = chunks(pending, app.config["QUEUE_CHUNK_SIZE"])
    for first, last in pieces:
        queue.send(job.id, first, last)
    if queue.embedded and pieces:
        start_embedded_worker(app)
    return len(pieces)


def start_embedded_worker(app: Flask) -> None:
    """Starts a worker in this process (threads) unless one runs or workers run elsewhere."""
    queue = letter_queue(app)
    if app.config.get("JOB_RUNNER", "thread") != "thread":
        return
    with _lock:
        if queue.worker is not None:
            return
        queue.worker = dramatiq.Worker(
            queue.broker, queues={QUEUE}, worker_threads=app.config["QUEUE_THREADS"]
        )
        queue.worker.start()


def stalled_jobs(app: Flask, session: sa.orm.Session) -> list[IssueJob]:
    """Returns the jobs with pending items that nobody has moved for the configured
    staleness period: their messages were lost (an embedded queue's process restarted, a
    Redis emptied)."""
    limit = utcnow() - timedelta(seconds=app.config["QUEUE_STALE_SECONDS"])
    return list(
        session.scalars(
            sa.select(IssueJob).where(
                IssueJob.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]),
                sa.func.coalesce(IssueJob.heartbeat_at, IssueJob.created_at) < limit,
            )
        )
    )


def resume_stalled(app: Flask, session: sa.orm.Session, jobs: list[IssueJob]) -> None:
    """Sends the pending chunks of these stalled jobs again."""
    for job in jobs:
        job.heartbeat_at = utcnow()  # one resend per staleness period, not per look
    session.commit()
    for job in jobs:
        dispatch(app, job)


def is_stalled(app: Flask, job: IssueJob) -> bool:
    """Tells whether nobody has moved the job for the configured staleness period."""
    if job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        return False
    last = job.heartbeat_at or job.created_at
    return last < utcnow() - timedelta(seconds=app.config["QUEUE_STALE_SECONDS"])
