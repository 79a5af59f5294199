"""Pages that belong to no domain: health and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, session
from werkzeug.wrappers import Response

from portal import readiness
from portal.db import database
from portal.errors import RETRY_AFTER_SECONDS
from portal.security import limiter, public
from portal.views_common import safe_next

bp = Blueprint("site", __name__)


@bp.route("/health")
@public
@limiter.exempt
def health() -> tuple[Response, int]:
    """Liveness: the process answers (200) whatever its dependencies do; see /readyz."""
    answered = readiness.check_database(database().engine).ok  # one SELECT 1, for information
    return jsonify(status="ok", database="ok" if answered else "unreachable"), 200


@bp.route("/readyz")
@public
@limiter.exempt
def readyz() -> tuple[Response, int]:
    """Readiness: each dependency with its state; 503 while any of them is down."""
    config = current_app.config
    checks = [
        readiness.check_database(database().engine),
        readiness.check_redis(config.get("REDIS_URL")),
        readiness.check_storage(config["STORAGE_DIR"], config["READY_MIN_FREE_BYTES"]),
    ]
    ready = all(check.ok for check in checks)
    body = jsonify(
        status="ready" if ready else "unavailable",
        checks={check.name: {"ok": check.ok, "detail": check.detail} for check in checks},
    )
    if not ready:
        body.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return body, 200 if ready else 503


@bp.route("/language/<code>")
@public
def language(code: str) -> Response:
    if code in current_app.config["VERIFICATION_LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_next())
