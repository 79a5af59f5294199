"""Issuing many approved requests in the background.

Starting a job checks every request and reserves one number per request that passes, in
request order, in one transaction: numbers stay gap-free whatever happens later. A runner
then seals the letters, the CPU-heavy part spread over a pool of processes (every core), and
commits each letter on its own. A runner that crashes stops beating its heart; another runner
claims the job and carries on with the items that have no letter yet. Each item's issue key
makes a second attempt find the letter of the first, so nothing is issued twice. An item
that fails keeps its number and waits for a retry, so the numbers never leave a gap."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.accounts.models import Organisation, User
from portal.audit.record import record
from portal.clock import china_date, today_in_china
from portal.db import utcnow
from portal.errors import PortalError, ValidationError
from portal.letters.checks import check_order
from portal.letters.issuance import (
    IssuanceContext,
    LetterOrder,
    Prepared,
    already_issued,
    persist,
    prepare,
)
from portal.letters.job_models import IssueJob, IssueJobItem, JobStatus
from portal.letters.models import LetterCounter
from portal.letters.numbering import next_sequence
from portal.letters.production import produce
from portal.letters.requests_link import mark_request_issued, order_for_request
from portal.requests.models import LetterRequest, RequestStatus
from portal.requests.vetting import Addressee, load_addressee

STALE_AFTER = timedelta(seconds=60)
WINDOW = 6  # letters in flight at once: memory does not grow with the job


def start_job(
    session: Session, manufacturer: Organisation, request_ids: Iterable[int], *, actor: User
) -> IssueJob:
    """Returns a queued job for the manufacturer's approved requests, with their numbers
    reserved; requests that fail the checks are listed as refused, without a number."""
    requests = list(
        session.scalars(
            sa.select(LetterRequest)
            .where(
                LetterRequest.id.in_(list(request_ids)),
                LetterRequest.manufacturer_id == manufacturer.id,
                LetterRequest.status == RequestStatus.APPROVED,
            )
            .order_by(LetterRequest.id)
        )
    )
    if not requests:
        raise ValidationError(_("Choose at least one approved request of yours."))
    today = today_in_china()
    addressee = load_addressee(session, manufacturer.id, today=today)
    job = IssueJob(
        manufacturer_id=manufacturer.id,
        created_by_id=actor.id,
        year=today.year,
        total=len(requests),
    )
    for position, request in enumerate(requests):
        item = IssueJobItem(position=position, request_id=request.id)
        try:
            check_order(session, manufacturer, order_for_request(request), today, addressee)
        except PortalError as error:
            item.error = error.message[:500]
        job.items.append(item)
    _reserve(session, manufacturer.id, today.year, [i for i in job.items if not i.error])
    session.add(job)
    session.flush()
    record(
        session,
        "letters.batch_started",
        actor=actor,
        obj=job,
        total=job.total,
        refused=sum(1 for i in job.items if i.error),
    )
    return job


def _reserve(session: Session, manufacturer_id: int, year: int, items: list[IssueJobItem]) -> None:
    if not items:
        return
    first = next_sequence(session, manufacturer_id, year)
    session.execute(
        sa.update(LetterCounter)
        .where(LetterCounter.manufacturer_id == manufacturer_id, LetterCounter.year == year)
        .values(last=first + len(items) - 1)
        .execution_options(synchronize_session=False)
    )
    for offset, item in enumerate(items):
        item.sequence = first + offset


def claim_job(session: Session, runner: str) -> IssueJob | None:
    """Returns a job this runner now owns (queued, or abandoned by a silent runner)."""
    now = utcnow()
    candidates = session.scalars(
        sa.select(IssueJob.id)
        .where(
            sa.or_(
                IssueJob.status == JobStatus.QUEUED,
                sa.and_(
                    IssueJob.status == JobStatus.RUNNING, IssueJob.heartbeat_at < now - STALE_AFTER
                ),
            )
        )
        .order_by(IssueJob.id)
    )
    for job_id in list(candidates):
        claimed = session.execute(
            sa.update(IssueJob)
            .where(
                IssueJob.id == job_id,
                sa.or_(
                    IssueJob.status == JobStatus.QUEUED, IssueJob.heartbeat_at < now - STALE_AFTER
                ),
            )
            .values(status=JobStatus.RUNNING, runner=runner, heartbeat_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        session.commit()
        if claimed:
            return session.get(IssueJob, job_id, populate_existing=True)
    return None


def awaits_runner(job: IssueJob) -> bool:
    """Tells whether a runner would claim the job now: queued, or left running by a runner
    that went silent (the same test as `claim_job`)."""
    if job.status is JobStatus.QUEUED:
        return True
    return (
        job.status is JobStatus.RUNNING
        and job.heartbeat_at is not None
        and job.heartbeat_at < utcnow() - STALE_AFTER
    )


def run_job(
    session: Session,
    job: IssueJob,
    ctx_for: Callable[[User | None], IssuanceContext],
    pool: Executor,
) -> None:
    """Issues the job's pending items, committing letter by letter; ends DONE or WAITING.

    A rolling window keeps every worker busy: while they seal, this process prepares the next
    items and stores the finished ones, in order."""
    ctx = ctx_for(job.created_by)
    addressee = load_addressee(session, job.manufacturer_id, today=china_date(ctx.now))
    window: deque[tuple[IssueJobItem, Prepared, Future]] = deque()
    first = True
    for item in [i for i in job.items if i.letter_id is None and i.sequence is not None]:
        prepared = _prepared(session, job, item, ctx, addressee)
        if prepared is not None and first:
            # The pool's processes take seconds to start: the first letter is sealed here
            # meanwhile, so that the progress moves from the first letter on.
            first = False
            pool.submit(int)
            _finish(session, job, item, prepared, _produced_here(prepared), ctx)
            continue
        if prepared is not None:
            window.append((item, prepared, pool.submit(produce, prepared.job)))
        while len(window) >= WINDOW:
            _finish(session, job, *window.popleft(), ctx)
    while window:
        _finish(session, job, *window.popleft(), ctx)
    waiting = any(i.letter_id is None for i in job.items)
    job.status = JobStatus.WAITING if waiting else JobStatus.DONE
    job.finished_at = utcnow()
    session.commit()


def _produced_here(prepared: Prepared) -> Future:
    future: Future = Future()
    try:
        future.set_result(produce(prepared.job))
    except Exception as error:  # handed on as the pool would: _finish records it
        future.set_exception(error)
    return future


def _prepared(
    session: Session, job: IssueJob, item: IssueJobItem, ctx: IssuanceContext, addressee: Addressee
) -> Prepared | None:
    order = _order(session, job, item)
    done = already_issued(session, order)
    if done is not None:  # issued before a crash, its item not yet marked
        item.letter_id, item.error = done.id, ""
        return None
    try:
        return prepare(session, order, ctx, addressee)
    except PortalError as error:
        item.error = error.message[:500]
        return None


def _finish(
    session: Session,
    job: IssueJob,
    item: IssueJobItem,
    prepared: Prepared,
    future: Future,
    ctx: IssuanceContext,
) -> None:
    try:
        letter = persist(session, prepared, future.result(), ctx)
        mark_request_issued(
            session, session.get(LetterRequest, item.request_id), letter, actor=ctx.actor
        )
        item.letter_id, item.error = letter.id, ""
        job.heartbeat_at = utcnow()
        session.commit()
    except Exception as error:  # any failure leaves the item waiting, with its number
        session.rollback()  # removes the stored file of this item
        item.error = (
            getattr(error, "message", None)
            or _("The letter could not be issued; it waits for a retry.")
        )[:500]
        session.commit()


def _order(session: Session, job: IssueJob, item: IssueJobItem) -> LetterOrder:
    request = session.get(LetterRequest, item.request_id)
    return order_for_request(
        request, issue_key=f"job-{job.id}-{item.position}", reserved=(job.year, item.sequence)
    )


def retry_job(session: Session, job: IssueJob, *, actor: User) -> None:
    """Queues a waiting job again: its waiting items are tried once more."""
    if job.status is not JobStatus.WAITING:
        raise ValidationError(_("Only a batch with waiting letters can be retried."))
    for item in job.items:
        if item.letter_id is None and item.sequence is not None:
            item.error = ""
    job.status, job.runner, job.finished_at = JobStatus.QUEUED, None, None
    session.flush()
    record(session, "letters.batch_retried", actor=actor, obj=job)
