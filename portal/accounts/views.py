"""Signing in and out, passwords, the home page and an organisation's own users."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from portal.accounts import service
from portal.accounts.access import current_org
from portal.accounts.forms import (
    ChangePasswordForm,
    EmptyForm,
    InviteUserForm,
    LoginForm,
    RoleForm,
    SetPasswordForm,
    role_choices,
)
from portal.accounts.roles import ALL_ROLES, ORG_ADMINS, Role
from portal.db import db_session, utcnow
from portal.errors import PortalError
from portal.security import allow, limiter, public
from portal.views_common import safe_next, show_on_form

bp = Blueprint("accounts", __name__)


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit("30 per minute", methods=["POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("accounts.index"))
    form = LoginForm()
    if form.validate_on_submit():
        config = current_app.config
        try:
            user = service.authenticate(
                db_session(),
                form.email.data or "",
                form.password.data or "",
                free_attempts=config["LOGIN_FREE_ATTEMPTS"],
                max_delay=config["LOGIN_MAX_DELAY_SECONDS"],
            )
        except PortalError as error:
            # Shown on the form (status 200) so the failure count is committed.
            form.form_errors.append(error.message)
        else:
            lang = session.get("lang")
            session.clear()  # a fresh session at sign-in: nothing carried over, no fixation
            if lang:
                session["lang"] = lang
            login_user(user)
            return redirect(safe_next())
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@allow(*ALL_ROLES)
def logout() -> Response:
    if EmptyForm().validate_on_submit():
        service.end_sessions(current_user)
        logout_user()
        flash(_("You are signed out on every device."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@public
def set_password(token: str) -> str | Response:
    try:
        link = service.password_link(db_session(), token, now=utcnow())
    except PortalError as error:
        return render_template("accounts/link_invalid.html", message=error.message), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            service.set_password_from_link(db_session(), token, form.password.data or "")
        except PortalError as error:
            show_on_form(form, error)
        else:
            logout_user()
            flash(_("Your password is set. Please sign in."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/set_password.html", form=form, user=link.user)


@bp.route("/account/password", methods=["GET", "POST"])
@allow(*ALL_ROLES)
def change_password() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            service.change_password(
                db_session(),
                current_user,
                current=form.current_password.data or "",
                new=form.password.data or "",
            )
        except PortalError as error:
            show_on_form(form, error)
        else:
            logout_user()
            flash(
                _("Your password is changed and every session has ended. Please sign in."),
                "success",
            )
            return redirect(url_for("accounts.login"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/")
@allow(*ALL_ROLES)
def index() -> str:
    from portal.dashboards.views import home_page  # the dashboards read every domain

    return home_page()


@bp.route("/users")
@allow(*ORG_ADMINS)
def users() -> str:
    org = current_org()
    return render_template(
        "accounts/users.html",
        org=org,
        users=org.users,
        role_choices=role_choices(org.kind),
        form=EmptyForm(),
    )


@bp.route("/users/invite", methods=["GET", "POST"])
@allow(*ORG_ADMINS)
def invite() -> str | Response:
    org = current_org()
    form = InviteUserForm()
    form.role.choices = role_choices(org.kind)
    if form.validate_on_submit():
        try:
            user, token = service.invite_user(
                db_session(),
                organisation=org,
                email=form.email.data or "",
                name=form.name.data or "",
                role=Role(form.role.data),
                actor=current_user,
                valid_hours=current_app.config["INVITATION_VALID_HOURS"],
            )
        except PortalError as error:
            show_on_form(form, error)
        else:
            return render_template("accounts/link_created.html", user=user, token=token)
    return render_template("accounts/invite.html", form=form, org=org)


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@allow(*ORG_ADMINS)
def change_role(user_id: int) -> Response:
    user = service.user_in_organisation(db_session(), current_user.organisation_id, user_id)
    form = RoleForm()
    form.role.choices = role_choices(current_org().kind)
    if not form.validate_on_submit():
        abort(400)
    try:
        service.change_role(db_session(), user, Role(form.role.data), actor=current_user)
        flash(_("%(name)s now has the role you chose.", name=user.name), "success")
    except PortalError as error:
        flash(error.message, "error")
    return redirect(url_for("accounts.users"))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@allow(*ORG_ADMINS)
def toggle_active(user_id: int) -> Response:
    user = service.user_in_organisation(db_session(), current_user.organisation_id, user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        service.set_user_active(db_session(), user, not user.active, actor=current_user)
        flash(
            _(
                "%(name)s is now %(state)s.",
                name=user.name,
                state=_("active") if user.active else _("deactivated"),
            ),
            "success",
        )
    except PortalError as error:
        flash(error.message, "error")
    return redirect(url_for("accounts.users"))


@bp.route("/users/<int:user_id>/link", methods=["POST"])
@allow(*ORG_ADMINS)
def new_link(user_id: int) -> str:
    user = service.user_in_organisation(db_session(), current_user.organisation_id, user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    token = service.new_password_link(
        db_session(), user, valid_hours=current_app.config["INVITATION_VALID_HOURS"]
    )
    return render_template("accounts/link_created.html", user=user, token=token)
