"""Letters for manufacturers and exporters: search, detail, PDF, direct issuance, revocation
and corrected re-issue."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal import countries
from portal.accounts.access import current_org
from portal.accounts.forms import EmptyForm
from portal.accounts.roles import EXPORTER_ROLES, MANUFACTURER_EDITORS, MANUFACTURER_ROLES
from portal.clock import today_in_china
from portal.db import db_session, utcnow
from portal.errors import Conflict, PortalError
from portal.letters.lifecycle.context import (
    issuance_context,
    issue_form_choices,
    master_key,
    order_from_form,
)
from portal.letters.lifecycle.forms import IssueForm, RevokeForm
from portal.letters.lifecycle.issuance import already_issued, issue_letter
from portal.letters.lifecycle.models import Letter
from portal.letters.lifecycle.orders import LetterOrder
from portal.letters.lifecycle.page_images import page_images
from portal.letters.lifecycle.preview import preview_pdf
from portal.letters.lifecycle.requests_link import mark_request_issued, order_for_request
from portal.letters.lifecycle.service import (
    LetterFilter,
    Standing,
    letter_of,
    letters_of,
    revoke_letter,
    standing_on,
)
from portal.requests.queries import manufacturer_request
from portal.requests.states import RequestStatus
from portal.security import allow
from portal.storage import storage
from portal.verification.log_views import flag_rule
from portal.verification.scans import scan_summary
from portal.views_common import show_on_form

bp = Blueprint("letters", __name__, url_prefix="/letters")
READERS = (*MANUFACTURER_ROLES, *EXPORTER_ROLES)
PAGE_SIZE = 50


@bp.route("")
@allow(*READERS)
def list_letters() -> str:
    expiring = request.args.get("expiring", type=int)
    filters = LetterFilter(
        text=request.args.get("q", "")[:60],
        country=request.args.get("country", "")[:2],
        standing=request.args.get("standing", ""),
        expiring_within=expiring if expiring is not None and 0 <= expiring <= 3660 else None,
        issued_week=_monday(request.args.get("week", "")),
        sort=request.args.get("sort", "")[:20],
    )
    query = letters_of(current_org(), filters)
    total = db_session().scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, request.args.get("page", 1, type=int)), pages)
    shown = query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    letters = list(db_session().scalars(shown.options(selectinload(Letter.superseded_by))))
    return render_template(
        "letters/list.html",
        letters=letters,
        filters=filters,
        page=page,
        pages=pages,
        total=total,
        standings=list(Standing),
    )


def _monday(text: str) -> date | None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day - timedelta(days=day.weekday())


@bp.route("/<int:letter_id>")
@allow(*READERS)
def detail(letter_id: int) -> str:
    letter = letter_of(db_session(), current_org(), letter_id)
    rule, scans = flag_rule(), None
    if letter.manufacturer_id == current_org().id:  # its exporter does not see the scan log
        scans = scan_summary(db_session(), letter, now=utcnow(), rule=rule)
    return render_template(
        "letters/detail.html", letter=letter, revoke=RevokeForm(), scans=scans, rule=rule
    )


@bp.route("/<int:letter_id>/pdf")
@allow(*READERS)
def pdf(letter_id: int) -> Response:
    letter = letter_of(db_session(), current_org(), letter_id)
    data = storage().get(letter.pdf_key)
    return send_file(
        BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"{letter.number}.pdf",
    )


@bp.route("/<int:letter_id>/revoke", methods=["POST"])
@allow(*MANUFACTURER_EDITORS)
def revoke(letter_id: int) -> str | Response:
    letter = letter_of(db_session(), current_org(), letter_id)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            revoke_letter(
                db_session(),
                letter,
                reason=form.reason.data or "",
                actor=current_user,
                master_key=master_key(current_app),
            )
        except PortalError as error:
            show_on_form(form, error)
        else:
            flash(_("Letter %(number)s is revoked.", number=letter.number), "success")
            return redirect(url_for("letters.detail", letter_id=letter.id))
    return render_template("letters/detail.html", letter=letter, revoke=form), 400


@bp.route("/new", methods=["GET", "POST"])
@allow(*MANUFACTURER_EDITORS)
def issue() -> str | Response:
    return _issue_page(IssueForm(), supersedes=None)


@bp.route("/<int:letter_id>/supersede", methods=["GET", "POST"])
@allow(*MANUFACTURER_EDITORS)
def supersede(letter_id: int) -> str | Response:
    old = letter_of(db_session(), current_org(), letter_id)
    form = IssueForm(data=_data_of(old)) if request.method == "GET" else IssueForm()
    return _issue_page(form, supersedes=old)


def _issue_page(form: IssueForm, *, supersedes) -> str | Response:
    org = current_org()
    issue_form_choices(form, org, db_session())
    form.ensure_issue_key()
    if form.is_submitted() and "edit" in request.form:  # back from the check, values kept
        return render_template("letters/issue.html", form=form, supersedes=supersedes)
    if form.validate_on_submit():
        order = order_from_form(form, org, supersedes)
        try:
            if "preview" in request.form:
                return _preview(order)
            if request.form.get("confirm") != "1":  # the letter is seen before it is issued
                return _check_page(order, fields=_resent_fields(), editable=True)
            letter = _issued(order)
        except PortalError as error:
            show_on_form(form, error)
        else:
            flash(_("Letter %(number)s is issued.", number=letter.number), "success")
            return redirect(url_for("letters.detail", letter_id=letter.id))
    return render_template("letters/issue.html", form=form, supersedes=supersedes)


def _issued(order: LetterOrder) -> Letter:
    session = db_session()
    with session.begin_nested():
        return issue_letter(session, order, issuance_context(current_app, current_user))


def _specimen(order: LetterOrder) -> bytes:
    return preview_pdf(
        db_session(),
        order,
        storage(),
        today=today_in_china(),
        font_path=current_app.config.get("PDF_FONT_PATH"),
    )


def _preview(order: LetterOrder) -> Response:
    """Returns the unsigned specimen of the letter, shown in the browser, never cached."""
    response = send_file(
        BytesIO(_specimen(order)), mimetype="application/pdf", download_name="preview.pdf"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _resent_fields() -> list[tuple[str, str]]:
    """Returns the submitted fields that the confirmation sends again, as they were typed."""
    skipped = {"csrf_token", "preview", "confirm"}
    return [(key, value) for key, value in request.form.items(multi=True) if key not in skipped]


def _check_page(
    order: LetterOrder, *, fields: list[tuple[str, str]], back: str = "", editable: bool = False
) -> Response:
    """Returns the page showing the letter as it would be issued, with the confirmation."""
    html = render_template(
        "letters/confirm_issue.html",
        pages=page_images(_specimen(order)),
        fields=fields,
        action=request.path,
        back=back,
        editable=editable,
        order=order,
    )
    response = Response(html)
    response.headers["Cache-Control"] = "no-store"
    return response


def _data_of(letter) -> dict:
    brand = next((b.id for b in letter.manufacturer.brands if b.name == letter.brand), None)
    return {
        "brand_id": brand,
        "model": letter.model,
        "vin": letter.vin,
        "registration_date": letter.registration_date,
        "transfer_registration_date": letter.transfer_registration_date,
        "engine_number": letter.engine_number,
        "colour": letter.colour,
        "fuel_type": letter.fuel_type,
        "country": letter.country,
        "exporter_name": letter.exporter_name,
        "exporter_uscc": letter.exporter_uscc,
    }


STANDING_LABELS = {
    Standing.VALID: _l("valid"),
    Standing.EXPIRED: _l("expired"),
    Standing.REVOKED: _l("revoked"),
    Standing.SUPERSEDED: _l("superseded"),
}


@bp.app_template_global()
def standing(letter) -> str:
    """Returns the letter's standing today, for templates."""
    return standing_on(letter, today_in_china()).value


@bp.app_template_global()
def standing_label(value: Standing) -> str:
    return str(STANDING_LABELS[Standing(value)])


@bp.app_template_global()
def country_label(code: str) -> str:
    return countries.local_label(code, get_locale())


@bp.route("/from-request/<int:request_id>", methods=["GET", "POST"])
@allow(*MANUFACTURER_EDITORS)
def issue_for_request(request_id: int) -> Response:
    org = current_org()
    letter_request = manufacturer_request(db_session(), org.id, request_id)
    back = url_for("review.detail", request_id=request_id)
    if request.method == "GET" or request.form.get("confirm") != "1":
        if letter_request.status is not RequestStatus.APPROVED:
            flash(_("Only an approved request can be issued a letter."), "error")
            return redirect(back)
        try:
            return _check_page(order_for_request(letter_request), fields=[], back=back)
        except PortalError as error:
            flash(error.message, "error")
            return redirect(back)
    if not EmptyForm().validate_on_submit():
        abort(400)
    session = db_session()
    order = order_for_request(letter_request)
    try:
        with session.begin_nested():
            letter = issue_letter(session, order, issuance_context(current_app, current_user))
            mark_request_issued(session, letter_request, letter, actor=current_user)
    except PortalError as error:
        flash(error.message, "error")
        return redirect(url_for("review.detail", request_id=request_id))
    except IntegrityError:
        # Another click issued the letter for this request a moment earlier: one letter only.
        return _issued_meanwhile(order, request_id)
    flash(_("Letter %(number)s is issued.", number=letter.number), "success")
    return redirect(url_for("letters.detail", letter_id=letter.id))


def _issued_meanwhile(order: LetterOrder, request_id: int) -> Response:
    letter = already_issued(db_session(), order)
    if letter is None:
        raise Conflict(
            _("Someone else changed this request at the same moment. Reload it and try again.")
        )
    flash(_("Letter %(number)s was already issued for this request.", number=letter.number), "info")
    return redirect(url_for("letters.detail", letter_id=letter.id))


@bp.app_template_global()
def letter_for_request(request_id: int) -> Letter | None:
    """Returns the letter answering the request, if the signed-in organisation may see it."""
    return db_session().scalar(
        letters_of(current_org(), LetterFilter()).where(Letter.request_id == request_id)
    )
