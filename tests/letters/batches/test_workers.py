"""Batches over Redis: two worker processes (two machines, as far as the queue knows) share
a batch; one is killed with SIGKILL in the middle, and the batch still ends with every
letter issued once, numbers without a gap."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

from portal.letters.batches.models import IssueJob, JobStatus
from portal.letters.batches.queue import dispatch
from portal.letters.batches.service import start_job
from portal.letters.lifecycle.models import Letter
from tests.letters.batches.test_batch import _committed_app, _numbers, _world

REDIS = "redis://127.0.0.1:6379/3"

pytestmark = pytest.mark.slow


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping())
    except redis.exceptions.ConnectionError:
        return False


def _worker(env: dict, log) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dramatiq",
            "portal.letters.batches.worker",
            "--processes",
            "1",
            "--threads",
            "1",
            "--queues",
            "letters",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _log(folder, number: int) -> str:
    return (folder / f"worker-{number}.log").read_text()


def _letters(session) -> int:
    session.rollback()
    return session.scalar(sa.select(sa.func.count()).select_from(Letter))


def _wait(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.skipif(not _redis_up(), reason="needs the Redis server at 127.0.0.1:6379")
def test_a_worker_killed_mid_chunk_leaves_no_gap_and_no_duplicate(tmp_path):
    namespace = f"portal-test-{uuid.uuid4().hex[:12]}"
    queue_config = {
        "REDIS_URL": REDIS,
        "QUEUE_NAMESPACE": namespace,
        "QUEUE_HEARTBEAT_SECONDS": 3,
        "QUEUE_CHUNK_SIZE": 4,
        "JOB_RUNNER": "external",
    }
    with _committed_app(tmp_path, **queue_config) as (app, session, make):
        manufacturer, issuer, requests = _world(make, session, 16)
        job = start_job(session, manufacturer, [r.id for r in requests], actor=issuer)
        session.commit()
        env = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
        env.update({f"PORTAL_{key}": str(value) for key, value in queue_config.items()})
        env.update(
            PORTAL_DATABASE_URL=app.config["DATABASE_URL"],
            PORTAL_MASTER_KEY=app.config["MASTER_KEY"],
            PORTAL_SECRET_KEY=app.config["SECRET_KEY"],
            PORTAL_STORAGE_DIR=app.config["STORAGE_DIR"],
            PORTAL_PUBLIC_BASE_URL="https://portal.example.cn",
        )
        logs = [(tmp_path / f"worker-{n}.log").open("w") for n in (1, 2)]
        doomed, survivor = _worker(env, logs[0]), _worker(env, logs[1])
        try:
            ready = "ready for action"
            assert _wait(lambda: all(ready in _log(tmp_path, n) for n in (1, 2)), 300)
            assert dispatch(app, job) == 4
            # Kill the first machine while it seals a chunk: it has started one, not ended it.
            started = re.compile(r"chunk (\d+-\d+) started")
            assert _wait(lambda: started.search(_log(tmp_path, 1)) and _letters(session), 300)
            os.killpg(doomed.pid, signal.SIGKILL)
            doomed.wait(timeout=30)
            done = _wait(
                lambda: (
                    (session.rollback(), session.get(IssueJob, job.id, populate_existing=True))[
                        1
                    ].status
                    is JobStatus.DONE
                ),
                600,
            )
            assert done, (tmp_path / "worker-2.log").read_text()[-3000:]
        finally:
            for process in (doomed, survivor):
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=60)
            for log in logs:
                log.close()
            client = redis.Redis.from_url(REDIS)
            for key in client.scan_iter(f"{namespace}*"):
                client.delete(key)
        held = set(started.findall(_log(tmp_path, 1)))
        ended = set(re.findall(r"chunk (\d+-\d+) finished", _log(tmp_path, 1)))
        lost = held - ended
        assert lost, "the killed worker had finished its chunks"
        # The survivor sealed what the dead worker held once Redis gave its message back.
        assert lost <= set(started.findall(_log(tmp_path, 2)))
        assert _numbers(session, manufacturer.id) == list(range(1, 17))
        assert _letters(session) == 16


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.skipif(not _redis_up(), reason="needs the Redis server at 127.0.0.1:6379")
def test_a_worker_process_stops_when_its_supervisor_is_killed(tmp_path):
    namespace = f"portal-test-{uuid.uuid4().hex[:12]}"
    with _committed_app(tmp_path, REDIS_URL=REDIS, QUEUE_NAMESPACE=namespace) as (app, _s, _m):
        env = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
        env.update(
            PORTAL_DATABASE_URL=app.config["DATABASE_URL"],
            PORTAL_REDIS_URL=REDIS,
            PORTAL_QUEUE_NAMESPACE=namespace,
            PORTAL_MASTER_KEY=app.config["MASTER_KEY"],
            PORTAL_SECRET_KEY=app.config["SECRET_KEY"],
            PORTAL_STORAGE_DIR=app.config["STORAGE_DIR"],
        )
        with (tmp_path / "worker-1.log").open("w") as log:
            supervisor = _worker(env, log)
            try:
                assert _wait(lambda: "ready for action" in _log(tmp_path, 1), 300)
                (worker,) = _children(supervisor.pid)
                os.kill(supervisor.pid, signal.SIGKILL)  # the supervisor alone
                supervisor.wait(timeout=30)
                assert _wait(lambda: not _alive(worker), 120), "the worker lived on"
            finally:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(supervisor.pid, signal.SIGKILL)
