"""The exporter's pages: their requests, a new request in three steps, editing a draft,
submitting and withdrawing, and the certificate scan."""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts.access import current_org, current_org_id
from portal.accounts.forms import EmptyForm
from portal.accounts.models import Organisation
from portal.accounts.roles import EXPORTER_ROLES, MANUFACTURER_ROLES, OrgKind
from portal.clock import today_in_china
from portal.countries import normalise_country
from portal.db import db_session
from portal.errors import NotFound, PortalError, ValidationError
from portal.requests import queries, service, states, transitions
from portal.requests.batch_letters import batch_rows, batch_zip
from portal.requests.forms import (
    VehicleForm,
    destination_choices,
    show_problems,
    status_choices,
)
from portal.requests.models import ACTION_LABELS, FUEL_LABELS, STATUS_LABELS, LetterRequest
from portal.requests.rule_display import requirement_label, requirement_sentence
from portal.requests.service import ExporterIdentity
from portal.requests.states import RequestAction, RequestStatus
from portal.requests.uploads import read_upload
from portal.requests.vetting import Addressee, VehicleRejected, load_addressee, vet_vehicle
from portal.security import allow
from portal.storage import StorageError, storage

bp = Blueprint("requests", __name__, url_prefix="/requests")
PAGE_SIZES = (25, 50, 100)
bp.add_app_template_global(requirement_label)
bp.add_app_template_global(requirement_sentence)
bp.add_app_template_global(STATUS_LABELS, "status_labels")
bp.add_app_template_global(FUEL_LABELS, "fuel_labels")
bp.add_app_template_global(ACTION_LABELS, "action_labels")


@bp.app_template_global()
def page_url(number: int) -> str:
    """Returns the current page's address showing page `number`, other filters kept."""
    args = {**request.args.to_dict(), "page": number}
    return url_for(
        request.endpoint or "requests.list_requests", **(request.view_args or {}), **args
    )


@bp.app_template_global()
def sort_url(key: str) -> str:
    """Returns the current list's address sorted by `key`, descending if it is already
    sorted ascending by it; back to the first page."""
    current = request.args.get("sort", "")
    args = {**request.args.to_dict(), "sort": f"-{key}" if current == key else key}
    args.pop("page", None)
    return url_for(
        request.endpoint or "requests.list_requests", **(request.view_args or {}), **args
    )


@bp.app_template_global()
def sort_state(key: str) -> str:
    """Returns 'ascending', 'descending' or 'none': how the current list is sorted by key."""
    current = request.args.get("sort", "")
    if current == key:
        return "ascending"
    return "descending" if current == f"-{key}" else "none"


def _addressee(manufacturer_id: int) -> Addressee:
    return load_addressee(db_session(), manufacturer_id, today=today_in_china())


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


@bp.route("")
@allow(*EXPORTER_ROLES)
def list_requests() -> str:
    status = request.args.get("status", "")
    per_page = _int_arg("per_page")
    per_page = per_page if per_page in PAGE_SIZES else PAGE_SIZES[0]
    text = request.args.get("q", "")[:40]
    page = queries.exporter_requests(
        db_session(),
        current_org_id(),
        status=RequestStatus(status) if status in set(RequestStatus) else None,
        batch_id=_int_arg("batch"),
        text=text,
        sort=request.args.get("sort", "")[:20],
        page=_int_arg("page") or 1,
        per_page=per_page,
    )
    return render_template(
        "requests/list.html",
        page=page,
        status=status,
        status_choices=status_choices(),
        batch_id=_int_arg("batch"),
        text=text,
        per_page=per_page,
        page_sizes=PAGE_SIZES,
        letters=queries.letters_answering(db_session(), [r.id for r in page.items]),
    )


@bp.route("/new", methods=["GET", "POST"])
@allow(*EXPORTER_ROLES)
def new() -> str | Response:
    manufacturer_id = _int_arg("manufacturer")
    if manufacturer_id is None:
        return _choose_manufacturer()
    addressee = _addressee(manufacturer_id)
    brand_id, country = _int_arg("brand"), normalise_country(request.args.get("country", ""))
    if brand_id is None or not country:
        return render_template(
            "requests/new_destination.html",
            addressee=addressee,
            destinations=destination_choices(addressee),
            action=url_for("requests.new"),
        )
    brand = addressee.brands.get(brand_id)
    if brand is None:
        raise NotFound(_("No such brand."))
    if request.method == "GET" and country not in addressee.countries_by_brand[brand_id]:
        flash(_("Choose one of the countries listed for %(brand)s.", brand=brand.name), "error")
        return redirect(url_for("requests.new", manufacturer=manufacturer_id))
    form = VehicleForm()
    if form.is_submitted():
        # Every problem at once: the form's own checks and the vehicle's.
        created = _create(form, addressee, brand_id, country, form_valid=form.validate())
        if created is not None:
            return redirect(url_for("requests.detail", request_id=created.id))
    return render_template(
        "requests/vehicle_form.html", form=form, addressee=addressee, brand=brand, country=country
    )


def _choose_manufacturer() -> str:
    manufacturers = db_session().scalars(
        sa.select(Organisation)
        .where(Organisation.kind == OrgKind.MANUFACTURER, Organisation.is_active.is_(True))
        .order_by(Organisation.name_en)
    )
    return render_template("requests/new_manufacturer.html", manufacturers=list(manufacturers))


def _create(
    form: VehicleForm, addressee: Addressee, brand_id: int, country: str, *, form_valid: bool
) -> LetterRequest | None:
    problems: list[PortalError] = []
    vehicle = upload = None
    try:
        vehicle = vet_vehicle(addressee, form.vehicle(brand_id=brand_id, country=country))
    except VehicleRejected as rejected:
        problems.append(rejected)
    try:
        upload = read_upload(form.certificate.data, required=True)
    except PortalError as error:
        problems.append(error)
    try:
        if form_valid and vehicle is not None and not problems:
            return service.create_request(
                db_session(),
                vehicle=vehicle,
                addressee=addressee,
                exporter=ExporterIdentity(organisation=current_org()),
                actor=current_user,
                submit=request.form.get("after") == "submit",
                upload=upload,
                store=storage(),
            )
    except PortalError as error:
        problems.append(error)
    show_problems(form, problems)
    return None


@bp.route("/<int:request_id>")
@allow(*EXPORTER_ROLES)
def detail(request_id: int) -> str:
    found = queries.exporter_request(db_session(), current_org_id(), request_id)
    return render_template(
        "requests/detail.html",
        req=found,
        actions=states.actions_for(found.status, current_user.role),
        form=EmptyForm(),
    )


@bp.route("/<int:request_id>/edit", methods=["GET", "POST"])
@allow(*EXPORTER_ROLES)
def edit(request_id: int) -> str | Response:
    found = queries.exporter_request(db_session(), current_org_id(), request_id)
    if not states.may(found.status, RequestAction.EDIT, current_user.role):
        flash(_("Only a draft can be changed."), "error")
        return redirect(url_for("requests.detail", request_id=found.id))
    form = VehicleForm(obj=found, fuel_type=found.fuel_type.value if found.fuel_type else "")
    if form.is_submitted() and _update(form, found, form_valid=form.validate()):
        flash(_("The draft is saved."), "success")
        return redirect(url_for("requests.detail", request_id=found.id))
    return render_template("requests/vehicle_form.html", form=form, req=found)


def _update(form: VehicleForm, found: LetterRequest, *, form_valid: bool) -> bool:
    addressee = _addressee(found.manufacturer_id)
    problems: list[PortalError] = []
    vehicle = upload = None
    try:
        vehicle = vet_vehicle(
            addressee, form.vehicle(brand_id=found.brand_id, country=found.country)
        )
    except VehicleRejected as rejected:
        problems.append(rejected)
    try:
        # Requests from a CSV batch may stay without a scan (docs/requests-csv.md).
        required = not found.has_attachment and found.batch_id is None
        upload = read_upload(form.certificate.data, required=required)
    except PortalError as error:
        problems.append(error)
    try:
        if form_valid and vehicle is not None and not problems:
            service.update_draft(
                db_session(),
                found,
                vehicle,
                addressee=addressee,
                actor=current_user,
                upload=upload,
                store=storage(),
            )
            return True
    except PortalError as error:
        problems.append(error)
    show_problems(form, problems)
    return False


@bp.route("/<int:request_id>/submit", methods=["POST"])
@allow(*EXPORTER_ROLES)
def submit(request_id: int) -> Response:
    found = queries.exporter_request(db_session(), current_org_id(), request_id)
    _require_form()
    try:
        transitions.submit_request(
            db_session(), found, actor=current_user, addressee=_addressee(found.manufacturer_id)
        )
    except ValidationError as error:
        flash(error.message, "error")
    else:
        flash(_("Request #%(id)d is submitted to the manufacturer.", id=found.id), "success")
    return redirect(url_for("requests.detail", request_id=found.id))


@bp.route("/<int:request_id>/withdraw", methods=["POST"])
@allow(*EXPORTER_ROLES)
def withdraw(request_id: int) -> Response:
    found = queries.exporter_request(db_session(), current_org_id(), request_id)
    _require_form()
    transitions.withdraw_request(db_session(), found, actor=current_user)
    flash(_("Request #%(id)d is withdrawn.", id=found.id), "success")
    return redirect(url_for("requests.detail", request_id=found.id))


def _require_form() -> None:
    if not EmptyForm().validate_on_submit():
        raise PortalError(_("The form expired. Please try again."))


@bp.route("/<int:request_id>/attachment")
@allow(*EXPORTER_ROLES, *MANUFACTURER_ROLES)
def attachment(request_id: int) -> Response:
    found = queries.request_seen_by(db_session(), current_org_id(), request_id)
    if found.attachment_key is None:
        raise NotFound(_("This request has no certificate scan."))
    try:
        data = storage().get(found.attachment_key)
    except StorageError:
        raise NotFound(_("The certificate scan is missing from storage.")) from None
    return send_file(
        io.BytesIO(data),
        mimetype=found.attachment_content_type or "application/octet-stream",
        as_attachment=True,
        download_name=found.attachment_filename or f"request-{found.id}",
    )


@bp.route("/batches/<int:batch_id>/letters.zip")
@allow(*EXPORTER_ROLES)
def batch_letters_zip(batch_id: int) -> Response:
    rows = batch_rows(db_session(), current_org_id(), batch_id)
    if not rows:
        raise NotFound(_("No such batch."))
    response = Response(
        stream_with_context(batch_zip(rows, storage(), today_in_china())),
        mimetype="application/zip",
    )
    response.headers["Content-Disposition"] = f'attachment; filename="batch-{batch_id}-letters.zip"'
    return response
