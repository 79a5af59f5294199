"""Batch issuance: numbers reserved for the whole job, letters sealed chunk by chunk by the
queue's workers and committed one by one; a chunk that runs again after a crash issues
nothing twice and leaves no gap."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.accounts.roles import OrgKind, Role
from portal.db import utcnow
from portal.letters.batches import service as batch
from portal.letters.batches.models import IssueJob, JobStatus
from portal.letters.batches.queue import QUEUE, chunks, dispatch, letter_queue
from portal.letters.batches.service import retry_job, run_chunk, start_job
from portal.letters.lifecycle.models import Letter
from portal.requests.models import LetterRequest, RequestStatus
from tests.conftest import IsolatedClient, fresh_database, make_test_config
from tests.factories import Factories


class Crash(BaseException):
    """A process dying in the middle of a chunk (not an error the chunk would catch)."""


@contextmanager
def _committed_app(tmp_path, **config) -> Iterator[tuple]:
    with fresh_database("batch", tmp_path) as url:
        app = create_app(make_test_config(url, tmp_path, **config))
        app.test_client_class = IsolatedClient
        with app.app_context():
            session = app.extensions["portal_db"].session()
            yield app, session, Factories(session)
            session.close()
        queue = app.extensions.get("portal_letter_queue")
        if queue is not None and queue.worker is not None:
            queue.worker.stop()
        app.extensions["portal_db"].engine.dispose()


@pytest.fixture
def committed(tmp_path):
    """An app on a database of its own, where the job really commits; chunks run only when
    the test runs them."""
    with _committed_app(tmp_path, JOB_RUNNER="external") as world:
        yield world


@pytest.fixture
def committed_with_thread_runner(tmp_path):
    """The same, with the embedded queue and its worker in this process (the default)."""
    with _committed_app(tmp_path, JOB_RUNNER="thread", QUEUE_CHUNK_SIZE=2) as world:
        yield world


def _wait_for_queue(app) -> None:
    queue = letter_queue(app)
    queue.broker.join(QUEUE, timeout=180_000)
    queue.worker.join()


def _world(make, session, count):
    manufacturer = make.organisation(OrgKind.MANUFACTURER)
    make.outlet(manufacturer, country="KZ")
    issuer = make.user(Role.MANUFACTURER_ISSUER, org=manufacturer)
    exporter = make.organisation(OrgKind.EXPORTER)
    requests = [
        make.letter_request(
            manufacturer=manufacturer, exporter=exporter, status=RequestStatus.APPROVED
        )
        for _ in range(count)
    ]
    session.commit()
    return manufacturer, issuer, requests


def _numbers(session, manufacturer_id):
    return sorted(
        session.scalars(sa.select(Letter.sequence).where(Letter.manufacturer_id == manufacturer_id))
    )


def _reread(session, job) -> None:
    session.rollback()  # ends the read snapshot: the workers committed in other sessions
    session.refresh(job)


def _run_all(app, job) -> None:
    for first, last in chunks(list(job.items), 100):
        run_chunk(app, job.id, first, last)


def _crash_after(app, job, letters, monkeypatch) -> None:
    """Runs the whole job as one chunk whose worker dies after committing `letters` letters."""
    real_persist, persisted = batch.persist, []

    def persist_then_crash(*args, **kwargs):
        if len(persisted) == letters:
            raise Crash
        letter = real_persist(*args, **kwargs)
        persisted.append(letter.id)
        return letter

    monkeypatch.setattr(batch, "persist", persist_then_crash)
    with pytest.raises(Crash):
        _run_all(app, job)
    monkeypatch.undo()


def test_job_issues_every_request_with_consecutive_numbers(committed_with_thread_runner):
    app, session, make = committed_with_thread_runner
    manufacturer, issuer, requests = _world(make, session, 6)
    job = start_job(session, manufacturer, [r.id for r in requests], actor=issuer)
    session.commit()
    assert [item.sequence for item in job.items] == [1, 2, 3, 4, 5, 6]
    assert dispatch(app, job) == 3  # chunks of two
    _wait_for_queue(app)
    _reread(session, job)
    assert job.status is JobStatus.DONE
    assert _numbers(session, manufacturer.id) == [1, 2, 3, 4, 5, 6]
    statuses = session.scalars(
        sa.select(LetterRequest.status).where(LetterRequest.id.in_([r.id for r in requests]))
    )
    assert set(statuses) == {RequestStatus.ISSUED}


def test_a_chunk_run_again_after_a_crash_issues_nothing_twice(committed, monkeypatch):
    app, session, make = committed
    manufacturer, issuer, requests = _world(make, session, 12)
    job = start_job(session, manufacturer, [r.id for r in requests], actor=issuer)
    session.commit()
    _crash_after(app, job, 5, monkeypatch)
    assert len(_numbers(session, manufacturer.id)) == 5
    _reread(session, job)
    assert job.status is JobStatus.RUNNING
    _run_all(app, job)  # the message comes back to another worker
    _reread(session, job)
    assert job.status is JobStatus.DONE
    assert _numbers(session, manufacturer.id) == list(range(1, 13))
    assert session.scalar(sa.select(sa.func.count()).select_from(Letter)) == 12


def test_refused_requests_get_no_number_and_failures_wait_for_a_retry(committed, monkeypatch):
    app, session, make = committed
    manufacturer, issuer, requests = _world(make, session, 4)
    requests[1].country = "FR"  # no outlet there: refused when the job starts
    session.commit()
    job = start_job(session, manufacturer, [r.id for r in requests], actor=issuer)
    session.commit()
    assert [bool(i.error) for i in job.items] == [False, True, False, False]
    assert [i.sequence for i in job.items] == [1, None, 2, 3]
    calls = []
    real_persist = batch.persist

    def fail_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_persist(*args, **kwargs)

    monkeypatch.setattr(batch, "persist", fail_once)
    _run_all(app, job)
    _reread(session, job)
    assert job.status is JobStatus.WAITING
    assert _numbers(session, manufacturer.id) == [1, 3]  # number 2 waits, reserved
    retry_job(session, job, actor=issuer)
    session.commit()
    _run_all(app, job)
    _reread(session, job)
    assert _numbers(session, manufacturer.id) == [1, 2, 3]
    assert job.status is JobStatus.WAITING  # the refused request still waits, with no number


def test_an_abandoned_job_resumes_when_its_progress_is_requested(
    committed_with_thread_runner, monkeypatch
):
    app, session, make = committed_with_thread_runner
    manufacturer, issuer, requests = _world(make, session, 4)
    job = start_job(session, manufacturer, [r.id for r in requests], actor=issuer)
    session.commit()
    _crash_after(app, job, 2, monkeypatch)  # and its message was lost with its process
    session.execute(sa.update(IssueJob).values(heartbeat_at=utcnow() - timedelta(minutes=10)))
    session.commit()
    client = app.test_client()
    client.post("/login", data={"email": issuer.email, "password": Factories.PASSWORD})
    progress = client.get(f"/letters/jobs/{job.id}/progress").get_json()
    assert progress["status"] == "running" and progress["issued"] >= 2
    _wait_for_queue(app)
    _reread(session, job)
    assert job.status is JobStatus.DONE
    assert _numbers(session, manufacturer.id) == [1, 2, 3, 4]
    done = client.get(f"/letters/jobs/{job.id}/progress").get_json()
    assert done == {"status": "done", "total": 4, "issued": 4, "waiting": 0}


def test_looking_at_a_job_that_moves_sends_nothing_again(committed_with_thread_runner):
    app, session, make = committed_with_thread_runner
    manufacturer, issuer, requests = _world(make, session, 1)
    job = start_job(session, manufacturer, [r.id for r in requests], actor=issuer)
    job.status, job.heartbeat_at = JobStatus.RUNNING, utcnow()  # a worker elsewhere has it
    session.commit()
    client = app.test_client()
    client.post("/login", data={"email": issuer.email, "password": Factories.PASSWORD})
    assert client.get(f"/letters/jobs/{job.id}").status_code == 200
    assert client.get(f"/letters/jobs/{job.id}/progress").get_json()["status"] == "running"
    queue = letter_queue(app)
    assert queue.worker is None
    assert queue.broker.queues[QUEUE].qsize() == 0
