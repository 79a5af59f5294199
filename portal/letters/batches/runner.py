"""Running batch jobs: in a thread of the web process (the default, started when a job is
queued) or in `flask --app portal run-jobs`. The sealing work goes to a pool of processes."""

from __future__ import annotations

import multiprocessing
import os
import socket
import threading
import uuid
from concurrent.futures import ProcessPoolExecutor

from flask import Flask

from portal.db import Database
from portal.letters.batches.service import claim_job, run_job
from portal.letters.lifecycle.context import issuance_context

_lock = threading.Lock()


def runner_name() -> str:
    """Returns a name unique to this runner, for the job's owner column."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def run_pending_jobs(app: Flask, *, workers: int | None = None) -> int:
    """Runs every queued or abandoned job to its end; returns how many were run."""
    db: Database = app.extensions["portal_db"]
    count = 0
    name = runner_name()
    workers = workers or app.config.get("ISSUE_WORKERS") or os.cpu_count() or 1
    # spawn, not fork: the parent holds database connections and threads.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool, app.app_context():
        session = db.session()
        try:
            while (job := claim_job(session, name)) is not None:
                run_job(session, job, lambda actor: issuance_context(app, actor), pool)
                count += 1
        finally:
            session.close()
    return count


def wake_runner(app: Flask) -> None:
    """Starts a runner thread in this process unless one runs or jobs run elsewhere."""
    if app.config.get("JOB_RUNNER", "thread") != "thread":
        return
    with _lock:
        current = app.extensions.get("portal_job_thread")
        if current is not None and current.is_alive():
            return
        thread = threading.Thread(
            target=run_pending_jobs, args=(app,), daemon=True, name="portal-job-runner"
        )
        app.extensions["portal_job_thread"] = thread
        thread.start()
