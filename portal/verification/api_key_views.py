"""The platform administrator's page of API keys: create one (shown once), see them all,
revoke one."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts.roles import Role
from portal.db import db_session
from portal.errors import NotFound
from portal.security import allow
from portal.verification.api_key_forms import ApiKeyForm
from portal.verification.api_keys import api_keys, create_api_key, revoke_api_key
from portal.verification.models import ApiKey

bp = Blueprint("api_keys", __name__, url_prefix="/api-keys")


@bp.route("", methods=["GET", "POST"])
@allow(Role.PLATFORM_ADMIN)
def keys() -> str | tuple[str, int]:
    form = ApiKeyForm()
    if not form.is_submitted():
        form.checks_per_minute.data = current_app.config["API_KEY_CHECKS_PER_MINUTE"]
        form.misses_per_hour.data = current_app.config["API_KEY_MISSES_PER_HOUR"]
    new_key = None
    if form.validate_on_submit():
        _record, new_key = create_api_key(
            db_session(),
            name=form.name.data or "",
            checks_per_minute=form.checks_per_minute.data or 0,
            misses_per_hour=form.misses_per_hour.data or 0,
            created_by=current_user,
        )
        form = ApiKeyForm(formdata=None)
        form.checks_per_minute.data = current_app.config["API_KEY_CHECKS_PER_MINUTE"]
        form.misses_per_hour.data = current_app.config["API_KEY_MISSES_PER_HOUR"]
    status = 400 if form.errors else 200
    page = render_template(
        "verification/api_keys.html", form=form, keys=api_keys(db_session()), new_key=new_key
    )
    return page, status


@bp.route("/<int:api_key_id>/revoke", methods=["POST"])
@allow(Role.PLATFORM_ADMIN)
def revoke(api_key_id: int) -> Response:
    record = db_session().get(ApiKey, api_key_id)
    if record is None:
        raise NotFound(_("No such API key."))
    revoke_api_key(db_session(), record)
    flash(_("The key %(prefix)s… is revoked: it is refused from now on.", prefix=record.prefix))
    return redirect(url_for("api_keys.keys"))
