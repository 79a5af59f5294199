"""Batch issuance in the browser: start from the review queue, watch the progress, download
the letters as a ZIP with a CSV manifest, retry what waits."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.access import current_org
from portal.accounts.roles import MANUFACTURER_EDITORS, MANUFACTURER_ROLES
from portal.clock import today_in_china
from portal.db import db_session, utcnow
from portal.errors import NotFound, PortalError
from portal.letters.batches.models import IssueJob
from portal.letters.batches.progress import job_progress
from portal.letters.batches.queue import dispatch, is_stalled, resume_stalled
from portal.letters.batches.service import retry_job, start_job
from portal.letters.lifecycle.models import Letter
from portal.letters.lifecycle.page_images import page_images
from portal.letters.lifecycle.preview import preview_pdf
from portal.letters.lifecycle.public_address import letters_base_url
from portal.letters.lifecycle.requests_link import order_for_request
from portal.requests.models import LetterRequest, RequestStatus
from portal.security import allow
from portal.spreadsheet_cells import csv_bytes
from portal.storage import storage
from portal.streamed_zip import ZipSink

bp = Blueprint("letter_jobs", __name__, url_prefix="/letters/jobs")


def _job(job_id: int) -> IssueJob:
    job = db_session().scalar(
        sa.select(IssueJob).where(
            IssueJob.id == job_id, IssueJob.manufacturer_id == current_org().id
        )
    )
    if job is None:
        raise NotFound(_("No such batch."))
    return job


def _resume(job: IssueJob) -> IssueJob:
    # A job a crash or restart interrupted carries on as soon as someone looks at it, rather
    # than waiting for the next job to be started; a job that is running is left alone.
    app = current_app._get_current_object()
    if is_stalled(app, job):
        resume_stalled(app, db_session(), [job])
    return job


@bp.route("", methods=["POST"])
@allow(*MANUFACTURER_EDITORS)
def start() -> Response | str:
    ids = [int(value) for value in request.form.getlist("request_ids") if value.isdigit()]
    if request.form.get("confirm") != "1":  # the batch and its first letter are seen first
        return batch_check_page(ids)
    try:
        letters_base_url(current_app)  # refused before a job is queued, not by the runner
        with db_session().begin_nested():
            job = start_job(db_session(), current_org(), ids, actor=current_user)
    except PortalError as error:
        flash(error.message, "error")
        return redirect(url_for("review.queue"))
    db_session().commit()  # the workers must find the job
    dispatch(current_app._get_current_object(), job)
    return redirect(url_for("letter_jobs.detail", job_id=job.id))


def batch_check_page(ids: list[int]) -> Response | str:
    """Returns the page that shows a batch and its first letter before it is issued."""
    requests = (
        db_session()
        .scalars(
            sa.select(LetterRequest)
            .where(
                LetterRequest.id.in_(ids),
                LetterRequest.manufacturer_id == current_org().id,
                LetterRequest.status == RequestStatus.APPROVED,
            )
            .order_by(LetterRequest.id)
        )
        .all()
    )
    if not requests:
        flash(_("Choose at least one approved request of yours."), "error")
        return redirect(url_for("review.queue", status="approved"))
    try:
        pages = page_images(
            preview_pdf(
                db_session(),
                order_for_request(requests[0]),
                storage(),
                today=today_in_china(),
                font_path=current_app.config.get("PDF_FONT_PATH"),
            )
        )
    except PortalError as error:  # the first cannot be issued: its row in the batch says why
        pages, first_problem = [], error.message
    else:
        first_problem = ""
    return render_template(
        "letters/confirm_batch.html",
        requests=requests,
        skipped=len(set(ids)) - len(requests),
        pages=pages,
        first_problem=first_problem,
    )


@bp.route("/<int:job_id>")
@allow(*MANUFACTURER_ROLES)
def detail(job_id: int) -> str:
    job = _resume(_job(job_id))
    return render_template(
        "letters/job.html", job=job, progress=job_progress(db_session(), job, now=utcnow())
    )


@bp.route("/<int:job_id>/progress")
@allow(*MANUFACTURER_ROLES)
def progress(job_id: int) -> Response:
    job = _resume(_job(job_id))
    now = utcnow()
    state = job_progress(
        db_session(), job, now=now, from_position=request.args.get("from", 0, type=int)
    )
    return jsonify(
        status=state.status.value,
        total=state.total,
        issued=state.issued,
        waiting=state.waiting,
        percent=state.percent,
        seconds_left=state.seconds_left,
        rows=[
            {
                "position": row.position,
                "state": row.state,
                "number": row.number,
                "url": url_for("letters.detail", letter_id=row.letter_id) if row.letter_id else "",
                "problem": row.problem,
            }
            for row in state.rows
        ],
    )


@bp.route("/<int:job_id>/retry", methods=["POST"])
@allow(*MANUFACTURER_EDITORS)
def retry(job_id: int) -> Response:
    job = _job(job_id)
    try:
        retry_job(db_session(), job, actor=current_user)
    except PortalError as error:
        flash(error.message, "error")
    else:
        db_session().commit()
        dispatch(current_app._get_current_object(), job)
    return redirect(url_for("letter_jobs.detail", job_id=job_id))


@bp.route("/<int:job_id>/letters.zip")
@allow(*MANUFACTURER_ROLES)
def download(job_id: int) -> Response:
    job = _job(job_id)
    letters = {
        letter.id: letter
        for letter in db_session().scalars(
            sa.select(Letter).where(Letter.id.in_([i.letter_id for i in job.items if i.letter_id]))
        )
    }
    rows = [(item, letters.get(item.letter_id)) for item in job.items]
    name = f"{job.manufacturer.short_code}-batch-{job.id}.zip"
    response = Response(stream_with_context(_zip(rows, storage())), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _zip(rows, store) -> Iterator[bytes]:
    # Written to an unseekable stream, one PDF at a time: memory stays flat for 1,000 letters.
    sink = ZipSink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        for _item, letter in rows:
            if letter is not None:
                archive.writestr(f"{letter.number}.pdf", store.get(letter.pdf_key))
                yield sink.take()
        archive.writestr("manifest.csv", _manifest(rows))
    yield sink.take()


MANIFEST_COLUMNS = (
    "request_id",
    "letter_number",
    "vin",
    "country",
    "exporter",
    "valid_until",
    "pdf_sha256",
    "status",
    "problem",
)


def _manifest(rows) -> bytes:
    # Exporter names and problems are other people's text: a cell like =HYPERLINK(...) must
    # not run when the exporter opens the manifest in a spreadsheet.
    return csv_bytes(MANIFEST_COLUMNS, (_manifest_row(item, letter) for item, letter in rows))


def _manifest_row(item, letter) -> list[object]:
    if letter is None:
        return [item.request_id, "", "", "", "", "", "", "waiting", item.error]
    return [
        item.request_id,
        letter.number,
        letter.vin,
        letter.country,
        letter.exporter_name,
        letter.valid_until.isoformat(),
        letter.pdf_sha256,
        "issued",
        "",
    ]
