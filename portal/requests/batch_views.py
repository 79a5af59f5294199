"""The exporter's CSV batch: the upload page, with every bad row reported, and the template."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectChoice

from portal.accounts.access import current_org
from portal.accounts.models import Organisation
from portal.accounts.roles import EXPORTER_ROLES, OrgKind
from portal.clock import today_in_china
from portal.db import db_session
from portal.errors import PortalError
from portal.requests.batch import BatchRejected, import_batch, requests_with_scans
from portal.requests.csv_io import COLUMNS, MAX_CSV_BYTES, MAX_ROWS, REQUIRED_COLUMNS, template_csv
from portal.requests.forms import BatchForm
from portal.requests.scan_archive import MB, ScanArchive, ScanLimits
from portal.requests.vetting import load_addressee
from portal.security import allow, limiter
from portal.storage import storage
from portal.views_common import csv_read_as, show_on_form

bp = Blueprint("request_batches", __name__, url_prefix="/requests")

ERRORS_SHOWN = 500
# The CSV file and the ZIP file of scans at their limits, and room for the rest of the form.
UPLOAD_LIMIT_BYTES = MAX_CSV_BYTES + ScanLimits().archive_bytes + MB


@bp.url_value_preprocessor
def _allow_scan_archives(endpoint: str | None, _values: object) -> None:
    # This runs before the CSRF check reads the body under the Portal-wide cap, which is
    # smaller than a ZIP file of scans may be.
    if endpoint == "request_batches.upload":
        request.max_content_length = UPLOAD_LIMIT_BYTES


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge) -> tuple[str, int]:
    form = BatchForm(formdata=None)
    form.manufacturer.choices = _manufacturer_choices()
    form.form_errors.append(
        _(
            "The files together are larger than %(n)d MB; nothing was imported.",
            n=UPLOAD_LIMIT_BYTES // MB,
        )
    )
    return _page(form, None), 413


def _manufacturer_choices() -> list[SelectChoice]:
    manufacturers = db_session().scalars(
        sa.select(Organisation)
        .where(Organisation.kind == OrgKind.MANUFACTURER, Organisation.is_active.is_(True))
        .order_by(Organisation.name_en)
    )
    return [SelectChoice(str(m.id), m.display_name) for m in manufacturers]


def _scan_archive(form: BatchForm) -> ScanArchive | None:
    uploaded = form.scans.data
    if uploaded is None or not uploaded.filename:
        return None
    return ScanArchive(stream=uploaded.stream, filename=uploaded.filename)


@bp.route("/batch", methods=["GET", "POST"])
@allow(*EXPORTER_ROLES)
@limiter.limit("20 per minute", methods=["POST"])
def upload() -> str | BaseResponse:
    form = BatchForm()
    form.manufacturer.choices = _manufacturer_choices()
    if not form.validate_on_submit():
        return _page(form, None)
    uploaded = form.file.data
    if uploaded is None or not uploaded.filename:
        form.file.errors = [_("Choose the CSV file to import.")]
        return _page(form, None)
    scans = _scan_archive(form)
    data = uploaded.stream.read(MAX_CSV_BYTES + 1)
    if read_as := csv_read_as(data):
        flash(read_as, "info")
    try:
        batch = import_batch(
            db_session(),
            addressee=load_addressee(db_session(), form.manufacturer.data, today=today_in_china()),
            exporter=current_org(),
            data=data,
            filename=uploaded.filename,
            submit=bool(form.submit_now.data),
            actor=current_user,
            scans=scans,
            store=storage(),
        )
    except BatchRejected as rejected:
        form.form_errors.append(rejected.message)
        return _page(form, rejected)
    except PortalError as error:
        show_on_form(form, error)
        return _page(form, None)
    if scans is None:
        flash(_("%(n)d requests are imported as one batch.", n=batch.row_count), "success")
    else:
        flash(
            _(
                "%(n)d requests are imported as one batch; %(scans)d of them with a "
                "certificate scan.",
                n=batch.row_count,
                scans=requests_with_scans(db_session(), batch),
            ),
            "success",
        )
    return redirect(url_for("requests.list_requests", batch=batch.id))


def _page(form: BatchForm, rejected: BatchRejected | None) -> str:
    errors = rejected.errors if rejected else []
    scan_errors = rejected.scan_errors if rejected else []
    return render_template(
        "requests/batch.html",
        form=form,
        errors=errors[:ERRORS_SHOWN],
        errors_total=len(errors),
        scan_errors=scan_errors[:ERRORS_SHOWN],
        scan_errors_total=len(scan_errors),
        columns=COLUMNS,
        required=REQUIRED_COLUMNS,
        max_rows=MAX_ROWS,
        scan_limits=ScanLimits(),
        mb=MB,
    )


@bp.route("/template.csv")
@allow(*EXPORTER_ROLES)
def template() -> Response:
    return Response(
        template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="letter-requests-template.csv"'},
    )
