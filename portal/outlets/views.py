"""The manufacturer's outlet pages: coverage, a country's list, create, edit, deactivate.

Viewers read; administrators and issuers edit. Every outlet named in a URL is loaded through
the current manufacturer, so another manufacturer's outlet is a 404.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal import countries
from portal.accounts.access import current_org, current_org_id
from portal.accounts.roles import MANUFACTURER_EDITORS, MANUFACTURER_ROLES, Role
from portal.db import db_session
from portal.errors import NotFound, PortalError
from portal.outlets import listing, service
from portal.outlets import validation as check
from portal.outlets.forms import DeactivateForm, DirectoryForm, OutletForm
from portal.outlets.models import SERVICE_LABELS, Outlet, OutletVersion, ServiceType
from portal.outlets.values import FIELD_LABELS, as_text, values_of
from portal.security import allow
from portal.views_common import show_on_form

bp = Blueprint("outlets", __name__, url_prefix="/outlets")


@bp.app_context_processor
def _outlet_helpers() -> dict[str, object]:
    return {
        "country_label": lambda code: countries.local_label(code, get_locale()),
        "service_label": lambda value: str(SERVICE_LABELS[ServiceType(value)]),
        "field_label": lambda name: str(FIELD_LABELS.get(name, name)),
        "can_edit_outlets": current_user.is_authenticated
        and current_user.role in MANUFACTURER_EDITORS,
    }


@bp.app_template_filter("version_field")
def _version_field(version: OutletVersion, name: str) -> str:
    """Returns one field of a version as the history shows it."""
    if name == "brands":
        return ", ".join(brand.name for brand in version.brands)
    if name == "service_types":
        return ", ".join(str(SERVICE_LABELS[ServiceType(s)]) for s in version.service_types)
    value = getattr(version, name)
    if value is None or value == "":
        return "—"
    return value.isoformat() if isinstance(value, date) else str(value)


def _outlet(outlet_id: int, *, for_update: bool = False) -> Outlet:
    return service.outlet_of(
        db_session(), manufacturer_id=current_org_id(), outlet_id=outlet_id, for_update=for_update
    )


def _country(code: str) -> str:
    if not countries.is_country(code.upper()):
        raise NotFound(_("No such country."))
    return code.upper()


@bp.route("")
@allow(*MANUFACTURER_ROLES)
def overview() -> str:
    org = current_org()
    form = DirectoryForm(public=org.outlet_directory_public)
    rows = listing.coverage(db_session(), manufacturer_id=org.id, on=service.today())
    return render_template(
        "outlets/overview.html", org=org, rows=rows, form=form, today=service.today()
    )


def _filters() -> listing.OutletFilter:
    args = request.args
    brand = args.get("brand", "")
    return listing.OutletFilter(
        text=args.get("q", "")[:100],
        brand_id=int(brand) if brand.isdigit() else None,
        service=args.get("service") or None,
        state=args.get("state", "all"),
    )


@bp.route("/country/<country>")
@allow(*MANUFACTURER_ROLES)
def country_list(country: str) -> str:
    code = _country(country)
    page = request.args.get("page", "1")
    filters = _filters()
    outlets, total = listing.outlets_in_country(
        db_session(),
        manufacturer_id=current_org_id(),
        country=code,
        filters=filters,
        on=service.today(),
        page=int(page) if page.isdigit() else 1,
    )
    return render_template(
        "outlets/country.html",
        org=current_org(),
        country=code,
        outlets=outlets,
        total=total,
        filters=filters,
        page=int(page) if page.isdigit() else 1,
        per_page=listing.PER_PAGE,
        today=service.today(),
        services=list(ServiceType),
    )


def _show_errors(form: OutletForm, error: PortalError) -> None:
    for problem in getattr(error, "errors", None) or [error]:
        show_on_form(form, PortalError(problem.message, field=problem.field))


@bp.route("/new", methods=["GET", "POST"])
@allow(*MANUFACTURER_EDITORS)
def create() -> str | Response | tuple[str, int]:
    org = current_org()
    form = OutletForm().for_manufacturer(org)
    if request.method == "GET":
        form.country.data = request.args.get("country", "").upper()
        form.active_from.data = service.today().isoformat()
        form.service_types.data = [ServiceType.REPAIR.value, ServiceType.MAINTENANCE.value]
    if form.validate_on_submit():
        try:
            with db_session().begin_nested():
                outlet = service.create_outlet(
                    db_session(), manufacturer=org, raw=form.raw(), actor=current_user
                )
        except PortalError as error:
            _show_errors(form, error)
            return render_template("outlets/form.html", form=form, outlet=None), 422
        flash(_("Outlet %(code)s is created.", code=outlet.code), "success")
        return redirect(url_for("outlets.detail", outlet_id=outlet.id))
    return render_template("outlets/form.html", form=form, outlet=None)


@bp.route("/<int:outlet_id>")
@allow(*MANUFACTURER_ROLES)
def detail(outlet_id: int) -> str:
    outlet = _outlet(outlet_id)
    last_day = max(service.today() - timedelta(days=1), outlet.current.active_from)
    return render_template(
        "outlets/detail.html",
        outlet=outlet,
        version=outlet.current,
        history=listing.history(outlet),
        today=service.today(),
        deactivate=DeactivateForm(last_day=last_day.isoformat()),
    )


def _fill(form: OutletForm, outlet: Outlet) -> None:
    names = {brand.id: brand.name for brand in outlet.manufacturer.brands}
    for name, value in as_text(values_of(outlet.current), names).items():
        getattr(form, name).data = value
    form.brands.data = [names[brand.id] for brand in outlet.current.brands]
    form.service_types.data = list(outlet.current.service_types)
    form.based_on.data = str(outlet.current.number)


@bp.route("/<int:outlet_id>/edit", methods=["GET", "POST"])
@allow(*MANUFACTURER_EDITORS)
def edit(outlet_id: int) -> str | Response | tuple[str, int]:
    outlet = _outlet(outlet_id, for_update=request.method == "POST")
    org = current_org()
    form = OutletForm().for_manufacturer(org)
    if request.method == "GET":
        _fill(form, outlet)
    form.outlet_code.data = outlet.code
    if form.validate_on_submit():
        based_on = form.based_on.data
        try:
            with db_session().begin_nested():
                version = service.update_outlet(
                    db_session(),
                    outlet,
                    raw=form.raw(),
                    actor=current_user,
                    based_on=int(based_on) if based_on and based_on.isdigit() else None,
                )
        except PortalError as error:
            _show_errors(form, error)
            return render_template("outlets/form.html", form=form, outlet=outlet), 422
        if version is None:
            flash(_("Nothing changed; no new version was written."), "info")
        else:
            flash(_("Version %(n)d of the outlet is saved.", n=version.number), "success")
        return redirect(url_for("outlets.detail", outlet_id=outlet.id))
    return render_template("outlets/form.html", form=form, outlet=outlet)


@bp.route("/<int:outlet_id>/deactivate", methods=["POST"])
@allow(*MANUFACTURER_EDITORS)
def deactivate(outlet_id: int) -> Response:
    outlet = _outlet(outlet_id, for_update=True)
    form = DeactivateForm()
    if not form.validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return redirect(url_for("outlets.detail", outlet_id=outlet.id))
    try:
        with db_session().begin_nested():
            day = check.iso_date(form.last_day.data, field="last_day", required=False)
            service.deactivate_outlet(db_session(), outlet, last_day=day, actor=current_user)
    except (check.FieldError, PortalError) as error:
        flash(error.message, "error")
    else:
        flash(
            _("The outlet serves until %(day)s.", day=outlet.current.active_until.isoformat()),
            "success",
        )
    return redirect(url_for("outlets.detail", outlet_id=outlet.id))


@bp.route("/directory-settings", methods=["POST"])
@allow(Role.MANUFACTURER_ADMIN)
def directory_settings() -> Response:
    form = DirectoryForm()
    if form.validate_on_submit():
        org = current_org()
        service.set_directory_public(db_session(), org, bool(form.public.data), actor=current_user)
        if org.outlet_directory_public:
            flash(_("Your active outlets are listed on the public directory."), "success")
        else:
            flash(_("Your outlets are no longer listed on the public directory."), "success")
    return redirect(url_for("outlets.overview"))
