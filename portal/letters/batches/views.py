"""Batch issuance in the browser: start from the review queue, watch the progress, download
the letters as a ZIP with a CSV manifest, retry what waits."""

from __future__ import annotations

import csv
import io
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
from portal.db import db_session
from portal.errors import NotFound, PortalError
from portal.letters.batches.models import IssueJob
from portal.letters.batches.queue import dispatch, is_stalled, resume_stalled
from portal.letters.batches.service import retry_job, start_job
from portal.letters.lifecycle.models import Letter
from portal.letters.lifecycle.public_address import letters_base_url
from portal.security import allow
from portal.storage import storage

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
def start() -> Response:
    ids = [int(value) for value in request.form.getlist("request_ids") if value.isdigit()]
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


@bp.route("/<int:job_id>")
@allow(*MANUFACTURER_ROLES)
def detail(job_id: int) -> str:
    return render_template("letters/job.html", job=_resume(_job(job_id)))


@bp.route("/<int:job_id>/progress")
@allow(*MANUFACTURER_ROLES)
def progress(job_id: int) -> Response:
    job = _resume(_job(job_id))
    issued = sum(1 for item in job.items if item.letter_id is not None)
    waiting = sum(1 for item in job.items if item.letter_id is None and item.error)
    return jsonify(status=job.status.value, total=job.total, issued=issued, waiting=waiting)


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


class _Chunks(io.RawIOBase):
    """A write-only stream whose bytes are collected for the response, piece by piece."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        self.parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def _zip(rows, store) -> Iterator[bytes]:
    # Written to an unseekable stream, one PDF at a time: memory stays flat for 1,000 letters.
    sink = _Chunks()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        for _item, letter in rows:
            if letter is not None:
                archive.writestr(f"{letter.number}.pdf", store.get(letter.pdf_key))
                yield sink.take()
        archive.writestr("manifest.csv", _manifest(rows))
    yield sink.take()


def _manifest(rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "request_id",
            "letter_number",
            "vin",
            "country",
            "exporter",
            "valid_until",
            "pdf_sha256",
            "status",
            "problem",
        ]
    )
    for item, letter in rows:
        if letter is None:
            writer.writerow([item.request_id, "", "", "", "", "", "", "waiting", item.error])
        else:
            writer.writerow(
                [
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
            )
    return out.getvalue()
