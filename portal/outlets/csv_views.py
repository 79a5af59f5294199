"""The outlet CSV pages: upload -> preview -> apply, the export and the empty template."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from portal.accounts.access import current_org, current_org_id
from portal.accounts.roles import MANUFACTURER_EDITORS, MANUFACTURER_ROLES
from portal.db import db_session
from portal.outlets import importing, pending_imports
from portal.outlets.csv_io import (
    MAX_IMPORT_BYTES,
    CsvFileError,
    CsvProblem,
    too_large_message,
    write_csv,
)
from portal.outlets.forms import EmptyForm, ImportForm
from portal.outlets.service import today
from portal.outlets.values import as_text
from portal.security import allow, limiter
from portal.views_common import csv_read_as

bp = Blueprint("outlet_csv", __name__, url_prefix="/outlets")


def _upload_page(form: ImportForm, message: str, status: int, problems: list | None = None):
    form.file.errors = [message]
    return render_template("outlets/import.html", form=form, problems=problems or []), status


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge) -> tuple[str, int]:
    # Above the Portal-wide upload cap the request body is never read; say what the limit is.
    form = ImportForm(formdata=None)
    return _upload_page(form, too_large_message(), 413)


@bp.route("/import", methods=["GET", "POST"])
@allow(*MANUFACTURER_EDITORS)
@limiter.limit("30 per minute", methods=["POST"])
def upload() -> str | Response | tuple[str, int]:
    form = ImportForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("outlets/import.html", form=form, problems=[]), status
    data = form.file.data.stream.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        return _upload_page(form, too_large_message(), 413)
    session, org = db_session(), current_org()
    if read_as := csv_read_as(data):
        flash(read_as, "info")
    try:
        plan = importing.build_plan(session, org, data)
    except CsvFileError as error:
        return _upload_page(form, error.message, 422, error.problems)
    if plan.problems:
        return render_template(
            "outlets/import_preview.html",
            pending=None,
            summary=pending_imports.summary(plan),
            problems=plan.problems,
            filename=form.file.data.filename or "",
        ), 422
    pending = pending_imports.store_pending(
        session,
        manufacturer=org,
        user=current_user,
        filename=form.file.data.filename or "outlets.csv",
        plan=plan,
    )
    return redirect(url_for("outlet_csv.preview", import_token=pending.token))


def _pending(token: str):
    return pending_imports.pending_import(
        db_session(), token=token, manufacturer_id=current_org_id(), user_id=current_user.id
    )


@bp.route("/import/<import_token>")
@allow(*MANUFACTURER_EDITORS)
def preview(import_token: str) -> str:
    pending = _pending(import_token)
    return render_template(
        "outlets/import_preview.html",
        pending=pending,
        summary=pending.summary,
        problems=[CsvProblem(*problem) for problem in pending.summary.get("problems", [])],
        filename=pending.filename,
        form=EmptyForm(),
    )


@bp.route("/import/<import_token>/apply", methods=["POST"])
@allow(*MANUFACTURER_EDITORS)
def apply(import_token: str) -> Response:
    pending = _pending(import_token)
    if not EmptyForm().validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return redirect(url_for("outlet_csv.preview", import_token=import_token))
    try:
        counts = pending_imports.apply_pending(
            db_session(), pending, manufacturer=current_org(), actor=current_user
        )
    except pending_imports.PlanChanged as error:
        # The new plan is stored with the upload (this response commits it): show it.
        flash(error.message, "error")
        return redirect(url_for("outlet_csv.preview", import_token=import_token))
    flash(
        _(
            "Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.",
            created=counts[importing.CREATE],
            updated=counts[importing.UPDATE],
            unchanged=counts[importing.UNCHANGED],
        ),
        "success",
    )
    return redirect(url_for("outlets.overview"))


def _csv(data: bytes, filename: str) -> Response:
    return Response(
        data,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Type": "text/csv; charset=utf-8",
        },
    )


@bp.route("/export.csv")
@allow(*MANUFACTURER_ROLES)
def export() -> Response:
    org = current_org()
    names = {brand.id: brand.name for brand in org.brands}
    existing = importing.existing_outlets(db_session(), org.id)
    rows = [
        {"outlet_code": code, **as_text(known.values, names)}
        for code, known in sorted(existing.items(), key=lambda i: (i[1].values.country, i[0]))
    ]
    return _csv(write_csv(rows), f"outlets-{org.short_code}-{today().isoformat()}.csv")


@bp.route("/template.csv")
@allow(*MANUFACTURER_ROLES)
def template() -> Response:
    return _csv(write_csv([]), "outlets-template.csv")
