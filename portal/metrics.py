"""Prometheus metrics: letters issued, checks by verdict, request latency, batch queue depth.

Counters move when the database commits what they count (a rolled-back issuance counts
nothing). Under gunicorn, every worker writes its values to PROMETHEUS_MULTIPROC_DIR
(gunicorn.conf.py sets it) and `/metrics` adds them up, whichever worker answers.
"""

from __future__ import annotations

import ipaddress
import os
import time

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from portal.db import db_session
from portal.security import public

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # A command run beside gunicorn (flask init, run-worker) writes its values there too.
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

LETTERS_ISSUED = Counter("portal_letters_issued", "Letters sealed and committed to the register")
CHECKS = Counter(
    "portal_verification_checks",
    "Verifications of letters, by channel and verdict",
    ["channel", "verdict"],
)
LATENCY = Histogram(
    "portal_request_seconds",
    "Time to answer a request, by endpoint",
    ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

_PENDING = "portal_metrics_pending"

bp = Blueprint("metrics", __name__)


@event.listens_for(Session, "after_flush")
def _note_new_rows(session: Session, _context: object) -> None:
    from portal.letters.lifecycle.models import Letter
    from portal.verification.models import VerificationScan

    # Each count is tied to the innermost transaction open now (a savepoint too).
    transaction = session.get_nested_transaction() or session.get_transaction()
    pending = session.info.setdefault(_PENDING, [])
    for row in session.new:
        if isinstance(row, Letter):
            pending.append((transaction, None))
        elif isinstance(row, VerificationScan):
            pending.append((transaction, (str(row.channel), row.verdict)))


@event.listens_for(Session, "after_commit")
def _count_committed(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a released savepoint: the outer unit may still roll back
    for _transaction, labels in session.info.pop(_PENDING, []):
        if labels is None:
            LETTERS_ISSUED.inc()
        else:
            CHECKS.labels(*labels).inc()


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous: SessionTransaction) -> None:
    # What a rolled-back transaction (or savepoint) flushed never happened.
    def inside(transaction: SessionTransaction | None) -> bool:
        while transaction is not None:
            if transaction is previous:
                return True
            transaction = transaction.parent
        return False

    pending = session.info.get(_PENDING, [])
    session.info[_PENDING] = [entry for entry in pending if not inside(entry[0])]


def _queue_depth() -> GaugeMetricFamily:
    from portal.letters.batches.models import IssueJob, IssueJobItem, JobStatus

    waiting = db_session().scalar(
        sa.select(sa.func.count())
        .select_from(IssueJobItem)
        .join(IssueJob)
        .where(
            IssueJob.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]),
            IssueJobItem.letter_id.is_(None),
            IssueJobItem.sequence.is_not(None),
        )
    )
    gauge = GaugeMetricFamily("portal_batch_queue_depth", "Letters of batches waiting to be sealed")
    gauge.add_metric([], float(waiting or 0))
    return gauge


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        return request.headers.get("Authorization", "") == f"Bearer {token}"
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


@bp.route("/metrics")
@public
def metrics() -> Response:
    """Returns the metrics in Prometheus' text format (loopback only, or with METRICS_TOKEN)."""
    if not _allowed():
        abort(404)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    body = generate_latest(registry) + generate_latest(_OneShot(_queue_depth()))
    return Response(body, mimetype=CONTENT_TYPE_LATEST)


class _OneShot:
    """A registry-like holder of one metric family, for generate_latest."""

    def __init__(self, family: GaugeMetricFamily) -> None:
        self.family = family

    def collect(self):
        return [self.family]


def _start_timer() -> None:
    g.portal_started = time.perf_counter()


def _observe(response: Response) -> Response:
    started = g.pop("portal_started", None)
    if started is not None and request.endpoint not in (None, "static", "metrics.metrics"):
        LATENCY.labels(request.endpoint, request.method).observe(time.perf_counter() - started)
    return response


def init_app(app: Flask) -> None:
    """Times every request and serves /metrics."""
    app.before_request(_start_timer)
    app.after_request(_observe)
    app.register_blueprint(bp)
