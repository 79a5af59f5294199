"""The manufacturer's pages: the review queue with filters and bulk decisions, a request with
its duplicate flags, and requests entered on behalf of exporters without an account."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts.access import current_org_id
from portal.accounts.forms import EmptyForm
from portal.accounts.roles import MANUFACTURER_EDITORS, MANUFACTURER_ROLES
from portal.clock import today_in_china
from portal.countries import normalise_country
from portal.db import db_session, utcnow
from portal.errors import Conflict, NotFound, PortalError, ValidationError
from portal.letters.batches.views import batch_check_page
from portal.requests import queries, service, states, transitions
from portal.requests.duplicates import (
    DuplicateFlag,
    DuplicateKind,
    duplicate_flags,
    duplicate_flags_for,
)
from portal.requests.forms import (
    BulkDecisionForm,
    OnBehalfForm,
    RejectForm,
    destination_choices,
    show_problems,
)
from portal.requests.models import LetterRequest
from portal.requests.queue_filters import chosen_ids, filter_form, queue_filter
from portal.requests.scan_field import forget_kept, keep_for_next_try, read_scan
from portal.requests.states import RequestAction
from portal.requests.vetting import Addressee, VehicleRejected, load_addressee, vet_vehicle
from portal.security import allow
from portal.storage import storage
from portal.views_common import safe_next

bp = Blueprint("review", __name__, url_prefix="/review")

PAGE_SIZES = (50, 100, 500)


@bp.app_template_global()
def duplicate_label(flag: DuplicateFlag) -> str:
    """Returns the short text of a duplicate flag."""
    if flag.kind is DuplicateKind.ISSUED:
        return _(
            "Already confirmed for %(c)s (%(number)s)", c=flag.country, number=flag.letter_number
        )
    if flag.kind is DuplicateKind.OTHER_COUNTRY:
        return _("Also requested for %(c)s (#%(id)d)", c=flag.country, id=flag.request_id)
    return _("Requested again for %(c)s (#%(id)d)", c=flag.country, id=flag.request_id)


@bp.app_template_global()
def duplicate_url(flag: DuplicateFlag) -> str:
    """Returns the page a duplicate flag links to: the valid letter, or the other request."""
    if flag.letter_id is not None:
        return url_for("letters.detail", letter_id=flag.letter_id)
    return url_for("review.detail", request_id=flag.request_id)


@bp.route("")
@allow(*MANUFACTURER_ROLES)
def queue() -> str:
    form = filter_form()
    filters = queue_filter(form)
    per_page = request.args.get("per_page", type=int)
    per_page = per_page if per_page in PAGE_SIZES else PAGE_SIZES[0]
    page = queries.review_queue(
        db_session(),
        current_org_id(),
        filters,
        page=request.args.get("page", 1, type=int),
        per_page=per_page,
    )
    just_approved = []
    if filters.decided_since is not None:  # after a bulk approval: the way on to the letters
        just_approved = queries.queue_ids(
            db_session(), current_org_id(), filters, limit=transitions.MAX_BULK
        )
    return render_template(
        "review/queue.html",
        form=form,
        page=page,
        per_page=per_page,
        page_sizes=PAGE_SIZES,
        flags=duplicate_flags_for(db_session(), page.items),
        decision=BulkDecisionForm(),
        may_decide=current_user.role in MANUFACTURER_EDITORS,
        sort=filters.sort,
        descending=filters.descending,
        just_approved=just_approved,
    )


@bp.route("/decide", methods=["POST"])
@allow(*MANUFACTURER_EDITORS)
def decide() -> Response:
    form = BulkDecisionForm()
    _require_csrf()
    if not form.validate():
        raise PortalError(_("Choose approve or reject."))
    since = utcnow()
    try:
        done = transitions.decide_many(
            db_session(),
            request_ids=chosen_ids(),
            action=RequestAction(form.decision.data),
            actor=current_user,
            reason=form.reason.data or "",
        )
    except (ValidationError, Conflict) as error:
        flash(error.message, "error")
        return redirect(safe_next("review.queue"))
    if form.decision.data != "approve":
        flash(
            ngettext("%(num)d request rejected.", "%(num)d requests rejected.", len(done)),
            "success",
        )
        return redirect(safe_next("review.queue"))
    flash(
        ngettext(
            "%(num)d request approved. It is listed below, ready for its letter.",
            "%(num)d requests approved. They are listed below, ready for their letters.",
            len(done),
        ),
        "success",
    )
    return redirect(
        url_for("review.queue", status="approved", decided_since=since.isoformat(), per_page=500)
    )


@bp.route("/issue", methods=["POST"])
@allow(*MANUFACTURER_EDITORS)
def issue_chosen() -> Response | str:
    """Shows the batch of letters for the chosen approved requests, to confirm."""
    _require_csrf()
    try:
        ids = chosen_ids()
    except ValidationError as error:
        flash(error.message, "error")
        return redirect(safe_next("review.queue"))
    return batch_check_page(ids)


def _found(request_id: int) -> LetterRequest:
    return queries.manufacturer_request(db_session(), current_org_id(), request_id)


@bp.route("/<int:request_id>")
@allow(*MANUFACTURER_ROLES)
def detail(request_id: int) -> str:
    found = _found(request_id)
    return render_template(
        "review/detail.html",
        req=found,
        flags=duplicate_flags(db_session(), found),
        actions=states.actions_for(found.status, current_user.role),
        reject_form=RejectForm(),
    )


@bp.route("/<int:request_id>/approve", methods=["POST"])
@allow(*MANUFACTURER_EDITORS)
def approve(request_id: int) -> Response:
    found = _found(request_id)
    _require_csrf()
    transitions.approve_request(db_session(), found, actor=current_user)
    flash(_("Request #%(id)d is approved; it waits for its letter.", id=found.id), "success")
    return redirect(url_for("review.detail", request_id=found.id))


@bp.route("/<int:request_id>/reject", methods=["POST"])
@allow(*MANUFACTURER_EDITORS)
def reject(request_id: int) -> Response:
    found = _found(request_id)
    _require_csrf()
    try:
        transitions.reject_request(
            db_session(), found, actor=current_user, reason=RejectForm().reason.data or ""
        )
    except ValidationError as error:  # no reason, or too long a one: nothing changed
        flash(error.message, "error")
    else:
        flash(_("Request #%(id)d is rejected.", id=found.id), "success")
    return redirect(url_for("review.detail", request_id=found.id))


def _require_csrf() -> None:
    if not EmptyForm().validate_on_submit():
        raise PortalError(_("The form expired. Please try again."))


@bp.route("/new", methods=["GET", "POST"])
@allow(*MANUFACTURER_EDITORS)
def new() -> str | Response:
    addressee = load_addressee(db_session(), current_org_id(), today=today_in_china())
    brand_id = request.args.get("brand", type=int)
    country = normalise_country(request.args.get("country", ""))
    if brand_id is None or not country:
        return render_template(
            "requests/new_destination.html",
            addressee=addressee,
            destinations=destination_choices(addressee),
            action=url_for("review.new"),
            on_behalf=True,
        )
    brand = addressee.brands.get(brand_id)
    if brand is None:
        raise NotFound(_("No such brand."))
    form = OnBehalfForm()
    if form.is_submitted():
        created = _create_on_behalf(form, addressee, brand_id, country, form_valid=form.validate())
        if created is not None:
            flash(_("Request #%(id)d is entered and awaits a decision.", id=created.id), "success")
            return redirect(url_for("review.detail", request_id=created.id))
    return render_template(
        "requests/vehicle_form.html",
        form=form,
        addressee=addressee,
        brand=brand,
        country=country,
        on_behalf=True,
    )


def _create_on_behalf(
    form: OnBehalfForm, addressee: Addressee, brand_id: int, country: str, *, form_valid: bool
) -> LetterRequest | None:
    problems: list[PortalError] = []
    vehicle = exporter = None
    try:
        exporter = service.exporter_without_account(
            db_session(), form.exporter_name.data or "", form.exporter_uscc.data or ""
        )
    except PortalError as error:
        problems.append(error)
    try:
        vehicle = vet_vehicle(addressee, form.vehicle(brand_id=brand_id, country=country))
    except VehicleRejected as rejected:
        problems.append(rejected)
    upload, kept, scan_problem = read_scan(form.certificate.data, required=True)
    if scan_problem is not None:
        problems.append(scan_problem)
    try:
        if form_valid and vehicle is not None and exporter is not None and not problems:
            created = service.create_request(
                db_session(),
                vehicle=vehicle,
                addressee=addressee,
                exporter=exporter,
                actor=current_user,
                submit=True,
                upload=upload,
                store=storage(),
            )
            forget_kept(kept)
            return created
    except PortalError as error:
        problems.append(error)
    form.kept_scan = keep_for_next_try(upload, kept)
    show_problems(form, problems)
    return None
