"""Pages that belong to no domain: health and the language switch."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, redirect, session
from werkzeug.wrappers import Response

from portal.db import db_session
from portal.security import public
from portal.views_common import safe_next

bp = Blueprint("site", __name__)


@bp.route("/health")
@public
def health() -> tuple[Response, int]:
    try:
        db_session().execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok"), 200


@bp.route("/language/<code>")
@public
def language(code: str) -> Response:
    if code in current_app.config["VERIFICATION_LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_next())
