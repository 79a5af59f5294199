"""The platform administrator's pages: organisations, their brands, WMIs and first users."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts import service
from portal.accounts.forms import (
    BrandsWmisForm,
    InviteUserForm,
    OrganisationForm,
    lines,
)
from portal.accounts.models import Organisation
from portal.accounts.roles import ADMIN_ROLE_OF_KIND, OrgKind, Role
from portal.db import db_session
from portal.errors import NotFound, PortalError
from portal.security import allow
from portal.views_common import show_on_form

bp = Blueprint("organisations", __name__, url_prefix="/organisations")


def _organisation(organisation_id: int) -> Organisation:
    org = db_session().get(Organisation, organisation_id)
    if org is None:
        raise NotFound(_("No such organisation."))
    return org


@bp.route("")
@allow(Role.PLATFORM_ADMIN)
def list_organisations() -> str:
    orgs = db_session().scalars(
        sa.select(Organisation).order_by(Organisation.kind, Organisation.name_en)
    )
    return render_template("accounts/organisations.html", organisations=list(orgs))


@bp.route("/new", methods=["GET", "POST"])
@allow(Role.PLATFORM_ADMIN)
def create() -> str | Response:
    form = OrganisationForm()
    if form.validate_on_submit():
        session = db_session()
        try:
            kind = OrgKind(form.kind.data)
            org = service.create_organisation(
                session,
                kind=kind,
                name_en=form.name_en.data or "",
                name_zh=form.name_zh.data or "",
                uscc=form.uscc.data,
                short_code=form.short_code.data,
                brands=lines(form.brands.data),
                wmis=lines(form.wmis.data),
                actor=current_user,
            )
            admin = service.create_user(
                session,
                organisation=org,
                email=form.admin_email.data or "",
                name=form.admin_name.data or "",
                role=ADMIN_ROLE_OF_KIND[kind],
                actor=current_user,
            )
            token = service.new_password_link(
                session, admin, valid_hours=current_app.config["INVITATION_VALID_HOURS"]
            )
        except PortalError as error:
            session.rollback()
            show_on_form(form, error)
        else:
            flash(_("%(name)s is created.", name=org.name_en), "success")
            return render_template("accounts/link_created.html", user=admin, token=token)
    return render_template("accounts/organisation_new.html", form=form)


@bp.route("/<int:organisation_id>", methods=["GET"])
@allow(Role.PLATFORM_ADMIN)
def detail(organisation_id: int) -> str:
    org = _organisation(organisation_id)
    invite = InviteUserForm().offer_roles(org.kind)
    return render_template(
        "accounts/organisation.html", org=org, form=BrandsWmisForm(), invite=invite
    )


@bp.route("/<int:organisation_id>/codes", methods=["POST"])
@allow(Role.PLATFORM_ADMIN)
def add_codes(organisation_id: int) -> str | Response:
    org = _organisation(organisation_id)
    form = BrandsWmisForm()
    if form.validate_on_submit():
        try:
            service.set_brands_and_wmis(
                db_session(), org, brands=lines(form.brands.data), wmis=lines(form.wmis.data)
            )
            db_session().flush()
        except PortalError as error:
            db_session().rollback()
            flash(error.message, "error")
        else:
            flash(_("Brands and WMIs are saved."), "success")
    return redirect(url_for("organisations.detail", organisation_id=org.id))


@bp.route("/<int:organisation_id>/invite", methods=["POST"])
@allow(Role.PLATFORM_ADMIN)
def invite(organisation_id: int) -> str | Response:
    org = _organisation(organisation_id)
    form = InviteUserForm().offer_roles(org.kind)
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
            flash(error.message, "error")
        else:
            return render_template("accounts/link_created.html", user=user, token=token)
    else:
        flash(_("Please fill in the email address, the name and the role."), "error")
    return redirect(url_for("organisations.detail", organisation_id=org.id))
