"""Issuing many approved requests in the background.

Starting a job checks every request and reserves one number per request that passes, in
request order, in one transaction: numbers stay gap-free whatever happens later. The job's
items then travel in chunks over the queue (`queue.py`) to any number of workers, each of
which seals its chunk's letters and commits each letter on its own. A chunk that runs again
(its worker died, or it was sent again) finds the letters of the first attempt by their
issue keys, so nothing is issued twice. An item
that fails keeps its number and waits for a retry, so the numbers never leave a gap."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import sqlalchemy as sa
from flask import Flask
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.accounts.models import Organisation, User
from portal.audit.record import record
from portal.clock import china_date, today_in_china
from portal.db import Database, utcnow
from portal.errors import PortalError, ValidationError
from portal.letters.batches.models import IssueJob, IssueJobItem, JobStatus
from portal.letters.lifecycle.checks import check_order
from portal.letters.lifecycle.context import issuance_context
from portal.letters.lifecycle.issuance import (
    IssuanceContext,
    already_issued,
    persist,
    prepare,
)
from portal.letters.lifecycle.models import LetterCounter
from portal.letters.lifecycle.numbering import next_sequence
from portal.letters.lifecycle.production import produce
from portal.letters.lifecycle.requests_link import mark_request_issued, order_for_request
from portal.notifications.mail import send_digest, without_email
from portal.notifications.models import NoticeKind, Notification
from portal.requests.models import LetterRequest, RequestStatus
from portal.requests.vetting import Addressee, load_addressee

log = logging.getLogger(__name__)


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


def run_chunk(app: Flask, job_id: int, first: int, last: int) -> None:
    """Issues the job's pending items from position first to last, committing letter by
    letter, then ends the job if nothing of it is pending any more."""
    db: Database = app.extensions["portal_db"]
    with app.app_context():
        session = db.writer_session()
        try:
            job = session.get(IssueJob, job_id)
            if job is None or job.status in (JobStatus.DONE, JobStatus.WAITING):
                return
            items = [
                i
                for i in job.items
                if first <= i.position <= last and i.letter_id is None and i.sequence is not None
            ]
            if job.status is JobStatus.QUEUED:
                job.status = JobStatus.RUNNING
            job.heartbeat_at = utcnow()
            session.commit()
            ctx = issuance_context(app, job.created_by)
            addressee = load_addressee(session, job.manufacturer_id, today=china_date(ctx.now))
            requests = _requests_of(session, items)
            log.info("batch %d: chunk %d-%d started (%d letters)", job_id, first, last, len(items))
            # The exporters get one email for the whole batch, when it ends.
            with without_email(session):
                for item in items:
                    _issue_item(session, job, item, requests[item.request_id], ctx, addressee)
            if _end_if_complete(session, job):
                send_digest(session, _notices_of(session, job.id))
            log.info("batch %d: chunk %d-%d finished", job_id, first, last)
        finally:
            session.close()


def _requests_of(session: Session, items: list[IssueJobItem]) -> dict[int, LetterRequest]:
    ids = [item.request_id for item in items]
    found = session.scalars(sa.select(LetterRequest).where(LetterRequest.id.in_(ids)))
    return {request.id: request for request in found}


def _issue_item(
    session: Session,
    job: IssueJob,
    item: IssueJobItem,
    request: LetterRequest,
    ctx: IssuanceContext,
    addressee: Addressee,
) -> None:
    order = order_for_request(
        request, issue_key=f"job-{job.id}-{item.position}", reserved=(job.year, item.sequence)
    )
    try:
        done = already_issued(session, order)
        if done is None:  # not issued by an earlier attempt at this chunk
            prepared = prepare(session, order, ctx, addressee)
            # Sealing takes no database: other workers write meanwhile (SQLite's lock too).
            session.commit()
            sealed = produce(prepared.job)
            done = persist(session, prepared, sealed, ctx)
            mark_request_issued(session, request, done, actor=ctx.actor)
        item.letter_id, item.error = done.id, ""
        job.heartbeat_at = utcnow()
        session.commit()
    except Exception as error:  # any failure leaves the item waiting, with its number
        session.rollback()  # removes the stored file of this item
        # Another worker may have issued it meanwhile (a chunk sent twice): then it is done.
        done = already_issued(session, order)
        if done is not None:
            item.letter_id, item.error = done.id, ""
        else:
            item.error = (
                getattr(error, "message", None)
                or _("The letter could not be issued; it waits for a retry.")
            )[:500]
        session.commit()


def _notices_of(session: Session, job_id: int) -> list[Notification]:
    """Returns the notices of the letters the job issued, in the job's order."""
    return list(
        session.scalars(
            sa.select(Notification)
            .join(IssueJobItem, IssueJobItem.letter_id == Notification.letter_id)
            .where(IssueJobItem.job_id == job_id, Notification.kind == NoticeKind.LETTER_READY)
            .order_by(IssueJobItem.position)
        )
    )


def _end_if_complete(session: Session, job: IssueJob) -> bool:
    """Ends the job if nothing of it is pending; tells whether this call ended it."""
    # Read after this chunk's own commits: of two chunks ending at once, the later one sees
    # the other's letters and ends the job.
    pending = session.scalar(
        sa.select(sa.func.count())
        .select_from(IssueJobItem)
        .where(
            IssueJobItem.job_id == job.id,
            IssueJobItem.letter_id.is_(None),
            IssueJobItem.sequence.is_not(None),
            IssueJobItem.error == "",
        )
    )
    if pending:
        return False
    # Failed items keep their numbers; refused ones never had one: both wait.
    waiting = session.scalar(
        sa.select(sa.func.count())
        .select_from(IssueJobItem)
        .where(IssueJobItem.job_id == job.id, IssueJobItem.letter_id.is_(None))
    )
    ended = session.execute(
        sa.update(IssueJob)
        .where(IssueJob.id == job.id, IssueJob.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
        .values(status=JobStatus.WAITING if waiting else JobStatus.DONE, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return bool(ended)


def retry_job(session: Session, job: IssueJob, *, actor: User) -> None:
    """Queues a waiting job again: its waiting items are tried once more."""
    if job.status is not JobStatus.WAITING:
        raise ValidationError(_("Only a batch with waiting letters can be retried."))
    for item in job.items:
        if item.letter_id is None and item.sequence is not None:
            item.error = ""
    job.status, job.runner, job.finished_at = JobStatus.QUEUED, None, None
    job.heartbeat_at = utcnow()
    session.flush()
    record(session, "letters.batch_retried", actor=actor, obj=job)
