"""Batch issuance: numbers reserved for the whole job, letters sealed over a pool of
processes, committed one by one; a crash in the middle resumes without duplicates or gaps."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.accounts.roles import OrgKind, Role
from portal.db import utcnow
from portal.letters import batch
from portal.letters.batch import claim_job, retry_job, run_job, start_job
from portal.letters.context import issuance_context
from portal.letters.job_models import IssueJob, JobStatus
from portal.letters.models import Letter
from portal.requests.models import LetterRequest, RequestStatus
from tests.conftest import IsolatedClient, fresh_database, make_test_config
from tests.factories import Factories


def _one_thread() -> ThreadPoolExecutor:
    # Letters sealed in threads share the process's reportlab font, whose subsetting is not
    # thread-safe: two at once can fail each other. The runner seals in processes.
    return ThreadPoolExecutor(max_workers=1)


class Crash(BaseException):
    """A process dying in the middle of a job (not an error the job would catch)."""


@contextmanager
def _committed_app(tmp_path, **config) -> Iterator[tuple]:
    with fresh_database("batch", tmp_path) as url:
        app = create_app(make_test_config(url, tmp_path, **config))
        app.test_client_class = IsolatedClient
        with app.app_context():
            session = app.extensions["portal_db"].session()
            yield app, session, Factories(session)
            session.close()
        app.extensions["portal_db"].engine.dispose()


@pytest.fixture
def committed(tmp_path):
    """An app on a database of its own, where the job really commits; jobs run only when
    the test runs them."""
    with _committed_app(tmp_path, JOB_RUNNER="external") as world:
        yield world


@pytest.fixture
def committed_with_thread_runner(tmp_path):
    """The same, with the web process's own runner thread (the default)."""
    with _committed_app(tmp_path, JOB_RUNNER="thread", ISSUE_WORKERS=1) as world:
        yield world


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


def _crash_after(app, session, job, letters, monkeypatch) -> None:
    """Claims the job as runner-1, which dies after committing `letters` letters."""
    claim_job(session, "runner-1")
    real_persist, persisted = batch.persist, []

    def persist_then_crash(*args, **kwargs):
        if len(persisted) == letters:
            raise Crash
        letter = real_persist(*args, **kwargs)
        persisted.append(letter.id)
        return letter

    monkeypatch.setattr(batch, "persist", persist_then_crash)
    with _one_thread() as pool, pytest.raises(Crash):
        run_job(session, job, lambda actor: issuance_context(app, actor), pool)
    session.rollback()
    monkeypatch.undo()


def test_job_issues_every_request_with_consecutive_numbers(committed):
    app, session, make = committed
    manufacturer, issuer, requests = _world(make, session, 6)
    job = start_job(session, manufacturer, [r.id for r in requests], actor=issuer)
    session.commit()
    assert [item.sequence for item in job.items] == [1, 2, 3, 4, 5, 6]
    assert claim_job(session, "runner-1").id == job.id
    with ProcessPoolExecutor(max_workers=2) as pool:
        run_job(session, job, lambda actor: issuance_context(app, actor), pool)
    assert job.status is JobStatus.DONE
    assert _numbers(session, manufacturer.id) == [1, 2, 3, 4, 5, 6]
    statuses = session.scalars(
        sa.select(LetterRequest.status).where(LetterRequest.id.in_([r.id for r in requests]))
    )
    assert set(statuses) == {RequestStatus.ISSUED}


def test_crash_in_the_middle_resumes_without_duplicates_or_gaps(committed, monkeypatch):
    app, session, make = committed
    manufacturer, issuer, requests = _world(make, session, 12)
    job = start_job(session, manufacturer, [r.id for r in requests], actor=issuer)
    session.commit()
    _crash_after(app, session, job, 5, monkeypatch)
    assert len(_numbers(session, manufacturer.id)) == 5
    # Nobody hears from the first runner again: another one takes the job over.
    assert claim_job(session, "runner-2") is None  # not yet stale
    session.execute(sa.update(IssueJob).values(heartbeat_at=utcnow() - timedelta(minutes=5)))
    session.commit()
    resumed = claim_job(session, "runner-2")
    assert resumed.id == job.id and resumed.runner == "runner-2"
    with _one_thread() as pool:
        run_job(session, resumed, lambda actor: issuance_context(app, actor), pool)
    assert resumed.status is JobStatus.DONE
    assert _numbers(session, manufacturer.id) == list(range(1, 13))


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
    claim_job(session, "runner-1")
    with _one_thread() as pool:
        run_job(session, job, lambda actor: issuance_context(app, actor), pool)
    assert job.status is JobStatus.WAITING
    assert _numbers(session, manufacturer.id) == [1, 3]  # number 2 waits, reserved
    retry_job(session, job, actor=issuer)
    session.commit()
    claim_job(session, "runner-1")
    with _one_thread() as pool:
        run_job(session, job, lambda actor: issuance_context(app, actor), pool)
    assert _numbers(session, manufacturer.id) == [1, 2, 3]
    assert job.status is JobStatus.WAITING  # the refused request still waits, with no number


def test_an_abandoned_job_resumes_when_its_progress_is_requested(
    committed_with_thread_runner, monkeypatch
):
    app, session, make = committed_with_thread_runner
    manufacturer, issuer, requests = _world(make, session, 4)
    job = start_job(session, manufacturer, [r.id for r in requests], actor=issuer)
    session.commit()
    _crash_after(app, session, job, 2, monkeypatch)
    session.execute(sa.update(IssueJob).values(heartbeat_at=utcnow() - timedelta(minutes=5)))
    session.commit()
    client = app.test_client()
    client.post("/login", data={"email": issuer.email, "password": Factories.PASSWORD})
    progress = client.get(f"/letters/jobs/{job.id}/progress").get_json()
    assert progress["status"] == "running" and progress["issued"] >= 2
    runner = app.extensions["portal_job_thread"]
    runner.join(timeout=120)
    assert not runner.is_alive()
    session.refresh(job)
    assert job.status is JobStatus.DONE and job.runner != "runner-1"
    assert _numbers(session, manufacturer.id) == [1, 2, 3, 4]
    done = client.get(f"/letters/jobs/{job.id}/progress").get_json()
    assert {k: done[k] for k in ("status", "total", "issued", "waiting", "percent")} == {
        "status": "done",
        "total": 4,
        "issued": 4,
        "waiting": 0,
        "percent": 100,
    }
    assert done["seconds_left"] == 0


def test_looking_at_a_running_job_starts_no_second_runner(committed_with_thread_runner):
    app, session, make = committed_with_thread_runner
    manufacturer, issuer, requests = _world(make, session, 1)
    job = start_job(session, manufacturer, [r.id for r in requests], actor=issuer)
    session.commit()
    claim_job(session, "runner-elsewhere")  # its heartbeat is fresh
    client = app.test_client()
    client.post("/login", data={"email": issuer.email, "password": Factories.PASSWORD})
    assert client.get(f"/letters/jobs/{job.id}").status_code == 200
    assert client.get(f"/letters/jobs/{job.id}/progress").get_json()["status"] == "running"
    assert "portal_job_thread" not in app.extensions


class _WatchedPool(ThreadPoolExecutor):
    """One thread; before each letter is handed over, the page's progress is read."""

    def __init__(self, watch) -> None:
        super().__init__(max_workers=1)
        self.watch = watch

    def submit(self, fn, /, *args, **kwargs):
        self.watch()
        return super().submit(fn, *args, **kwargs)


def test_progress_moves_from_the_first_letter_to_the_end(committed):
    app, session, make = committed
    manufacturer, issuer, requests = _world(make, session, 9)
    job = start_job(session, manufacturer, [r.id for r in requests], actor=issuer)
    session.commit()
    client = app.test_client()
    client.post("/login", data={"email": issuer.email, "password": Factories.PASSWORD})
    seen = []

    def watch():
        seen.append(client.get(f"/letters/jobs/{job.id}/progress").get_json())

    claim_job(session, "runner-1")
    with _WatchedPool(watch) as pool:
        run_job(session, job, lambda actor: issuance_context(app, actor), pool)
    watch()
    issued = [state["issued"] for state in seen]
    assert issued == sorted(issued) and issued[-1] == 9
    # the first letter is counted before the pool has sealed any
    assert issued[0] == 0 and issued[1] == 1
    assert {0 < n < 9 for n in issued} == {True, False}
    middle = next(state for state in seen if 0 < state["issued"] < 9)
    assert middle["status"] == "running" and 0 < middle["percent"] < 100
    assert middle["seconds_left"] is not None and middle["seconds_left"] >= 1
    assert {row["state"] for row in middle["rows"]} == {"issued"}
    assert len(middle["rows"]) == middle["issued"]
    final = seen[-1]
    assert (final["status"], final["percent"], final["seconds_left"]) == ("done", 100, 0)
    assert [row["number"] for row in final["rows"]] == [
        f"{manufacturer.short_code}-{job.year}-{n:06d}" for n in range(1, 10)
    ]
    later = client.get(f"/letters/jobs/{job.id}/progress?from=7").get_json()
    assert [row["position"] for row in later["rows"]] == [7, 8]
