"""Two-factor sign-in pages: the code step after the password, enrolment with a QR code,
recovery codes, and an admin's reset. Enrolment is enforced here for the roles that need it."""

from __future__ import annotations

import base64
import time

import qrcode
import qrcode.image.svg
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user

from portal.accounts import second_factor, totp
from portal.accounts.forms import EmptyForm, EnrolForm, SecondFactorForm
from portal.accounts.models import User
from portal.accounts.roles import ALL_ROLES, ORG_ADMINS, Role
from portal.accounts.service import user_in_organisation
from portal.db import db_session, utcnow
from portal.errors import NotFound, PortalError
from portal.security import PUBLIC, access_of, allow, public
from portal.views_common import show_on_form

bp = Blueprint("two_factor", __name__)
PENDING = "second_factor_pending"
ENROLLING = "second_factor_secret"
PENDING_SECONDS = 300
# What a user who must still enrol may open: the enrolment itself and signing out.
OPEN_BEFORE_ENROLMENT = frozenset({"two_factor.enrol", "accounts.logout", "site.language"})


def start_code_step(user: User, next_url: str) -> Response:
    """Remembers that the password was right and asks for the second factor."""
    session[PENDING] = {"user": user.get_id(), "next": next_url, "at": int(time.time())}
    return redirect(url_for("two_factor.code_step"))


def _pending_user() -> tuple[User, str] | None:
    pending = session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop(PENDING, None)
        return None
    ident, _sep, version = str(pending["user"]).partition(":")
    user = db_session().get(User, int(ident))
    if user is None or str(user.session_version) != version or not user.is_active:
        return None
    return user, pending.get("next") or url_for("accounts.index")


@bp.route("/login/code", methods=["GET", "POST"])
@public
def code_step() -> str | Response:
    pending = _pending_user()
    if pending is None:
        flash(_("Please sign in again: the sign-in took too long."), "info")
        return redirect(url_for("accounts.login"))
    user, next_url = pending
    form = SecondFactorForm()
    if form.validate_on_submit():
        config = current_app.config
        try:
            kind = second_factor.check_code(
                db_session(),
                user,
                form.code.data or "",
                now=utcnow(),
                free_attempts=config["LOGIN_FREE_ATTEMPTS"],
                max_delay=config["LOGIN_MAX_DELAY_SECONDS"],
            )
        except PortalError as error:
            form.form_errors.append(error.message)  # status 200: the failure is counted
        else:
            lang = session.get("lang")
            session.clear()
            if lang:
                session["lang"] = lang
            login_user(user)
            if kind == "recovery":
                left = second_factor.unused_recovery_codes(db_session(), user)
                flash(
                    _("You used a recovery code; %(n)d are left.", n=left),
                    "info" if left > 2 else "error",
                )
            return redirect(next_url)
    return render_template("accounts/second_factor_code.html", form=form)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@allow(*ALL_ROLES)
def enrol() -> str | Response:
    form = EnrolForm()
    secret = session.get(ENROLLING)
    if request.method == "GET" or not secret:
        secret = session[ENROLLING] = totp.new_secret()
    elif form.validate_on_submit():
        try:
            codes = second_factor.enrol(
                db_session(), current_user, secret, form.code.data or "", now=utcnow()
            )
        except PortalError as error:
            show_on_form(form, error)
        else:
            session.pop(ENROLLING, None)
            return render_template("accounts/recovery_codes.html", codes=codes, new=True)
    return render_template(
        "accounts/two_factor.html",
        form=form,
        secret=secret,
        qr=_qr_data_uri(
            totp.provisioning_uri(secret, current_user.email, current_app.config["TOTP_ISSUER"])
        ),
        required=second_factor.required_for(current_user),
        left=second_factor.unused_recovery_codes(db_session(), current_user),
        action=EmptyForm(),
    )


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@allow(*ALL_ROLES)
def new_recovery_codes() -> str | Response:
    if not EmptyForm().validate_on_submit() or not current_user.has_two_factor:
        abort(400)
    codes = second_factor.replace_recovery_codes(db_session(), current_user, now=utcnow())
    return render_template("accounts/recovery_codes.html", codes=codes, new=False)


@bp.route("/account/two-factor/remove", methods=["POST"])
@allow(*ALL_ROLES)
def remove_own() -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        second_factor.remove(db_session(), current_user, actor=current_user)
    except PortalError as error:
        flash(error.message, "error")
    else:
        flash(_("Two-factor sign-in is turned off for your account."), "success")
    return redirect(url_for("two_factor.enrol"))


@bp.route("/users/<int:user_id>/two-factor/reset", methods=["POST"])
@allow(*ORG_ADMINS, Role.PLATFORM_ADMIN)
def reset(user_id: int) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    if current_user.role is Role.PLATFORM_ADMIN:
        user = db_session().get(User, user_id)
        if user is None:
            raise NotFound(_("No such user."))
    else:
        user = user_in_organisation(db_session(), current_user.organisation_id, user_id)
    try:
        second_factor.remove(db_session(), user, actor=current_user)
    except PortalError as error:
        flash(error.message, "error")
    else:
        flash(
            _(
                "Two-factor sign-in of %(name)s is reset; they set it up again at their next "
                "sign-in.",
                name=user.name,
            ),
            "success",
        )
    return redirect(request.referrer if _same_site_referrer() else url_for("accounts.index"))


@bp.app_template_global()
def two_factor_required(user: User) -> bool:
    """Tells templates whether the user's role must sign in with a second factor."""
    return second_factor.required_for(user)


def _same_site_referrer() -> bool:
    referrer = request.referrer or ""
    return referrer.startswith(request.host_url)


def _qr_data_uri(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    svg = image.to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


@bp.before_app_request
def _send_to_enrolment() -> Response | None:
    """Sends a user whose role needs a second factor to enrol before anything else."""
    if request.endpoint is None or request.endpoint == "static":
        return None
    if access_of(current_app, request.endpoint) == PUBLIC:
        return None
    if request.endpoint in OPEN_BEFORE_ENROLMENT or not current_user.is_authenticated:
        return None
    if not second_factor.needs_enrolment(current_user):
        return None
    flash(_("Your role requires two-factor sign-in. Set it up to continue."), "info")
    return redirect(url_for("two_factor.enrol"))
