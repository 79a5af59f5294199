"""The exporter's CSV batch: the upload page, with every bad row reported, and the template."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectChoice

from portal.accounts.access import current_org
from portal.accounts.models import Organisation
from portal.accounts.roles import EXPORTER_ROLES, OrgKind
from portal.clock import today_in_china
from portal.db import db_session
from portal.errors import PortalError
from portal.requests.batch import BatchRejected, import_batch
from portal.requests.csv_io import COLUMNS, MAX_CSV_BYTES, MAX_ROWS, REQUIRED_COLUMNS, template_csv
from portal.requests.forms import BatchForm
from portal.requests.vetting import load_addressee
from portal.security import allow, limiter
from portal.views_common import show_on_form

bp = Blueprint("request_batches", __name__, url_prefix="/requests")

ERRORS_SHOWN = 500


def _manufacturer_choices() -> list[SelectChoice]:
    manufacturers = db_session().scalars(
        sa.select(Organisation)
        .where(Organisation.kind == OrgKind.MANUFACTURER, Organisation.is_active.is_(True))
        .order_by(Organisation.name_en)
    )
    return [SelectChoice(str(m.id), m.display_name) for m in manufacturers]


@bp.route("/batch", methods=["GET", "POST"])
@allow(*EXPORTER_ROLES)
@limiter.limit("20 per minute", methods=["POST"])
def upload() -> str | BaseResponse:
    form = BatchForm()
    form.manufacturer.choices = _manufacturer_choices()
    errors = []
    if form.validate_on_submit():
        uploaded = form.file.data
        if uploaded is None or not uploaded.filename:
            form.file.errors = [_("Choose the CSV file to import.")]
        else:
            try:
                batch = import_batch(
                    db_session(),
                    addressee=load_addressee(
                        db_session(), form.manufacturer.data, today=today_in_china()
                    ),
                    exporter=current_org(),
                    data=uploaded.stream.read(MAX_CSV_BYTES + 1),
                    filename=uploaded.filename,
                    submit=bool(form.submit_now.data),
                    actor=current_user,
                )
            except BatchRejected as rejected:
                errors = rejected.errors
                form.form_errors.append(rejected.message)
            except PortalError as error:
                show_on_form(form, error)
            else:
                flash(_("%(n)d requests are imported as one batch.", n=batch.row_count), "success")
                return redirect(url_for("requests.list_requests", batch=batch.id))
    return render_template(
        "requests/batch.html",
        form=form,
        errors=errors[:ERRORS_SHOWN],
        errors_total=len(errors),
        columns=COLUMNS,
        required=REQUIRED_COLUMNS,
        max_rows=MAX_ROWS,
    )


@bp.route("/template.csv")
@allow(*EXPORTER_ROLES)
def template() -> Response:
    return Response(
        template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="letter-requests-template.csv"'},
    )
