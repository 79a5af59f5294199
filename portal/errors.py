"""The PortalError family and the HTTP error pages."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)
# Seconds a client is asked to wait when the database cannot be reached.
RETRY_AFTER_SECONDS = 30
VERIFICATION_BLUEPRINTS = frozenset({"verification", "api"})


class PortalError(Exception):
    """An error a person can act on; its message is shown to them."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(PortalError):
    """Input that breaks a rule; `field` names the form field when there is one."""


class NotFound(PortalError):
    status_code = 404


class Conflict(PortalError):
    status_code = 409


TITLES = {
    400: _l("Bad request"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Upload too large"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
    503: _l("Temporarily unavailable"),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _page(status: int, message: str) -> tuple[Response | str, int]:
    if _wants_json():
        return jsonify(error=str(TITLES.get(status, status)), message=message), status
    title = TITLES.get(status, TITLES[500])
    return render_template("errors/error.html", status=status, title=title, message=message), status


def _too_many(error: HTTPException) -> tuple[Response | str, int]:
    message = _l(
        "Too many requests from your network in a short time (limit: %(limit)s). Wait a "
        "minute, then try again.",
        limit=str(error.description or ""),
    )
    body, status = _page(429, str(message))
    response = make_response(body, status)
    retry_after = getattr(error, "retry_after", None)
    if retry_after and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = str(int(retry_after))
    return response, status


def _is_conflict(error: sa.exc.DBAPIError) -> bool:
    # A unique or foreign key refused, or PostgreSQL ended one of two colliding transactions
    # (serialization failure, deadlock: SQLSTATE class 40).
    code = str(getattr(error.orig, "sqlstate", "") or "")
    return isinstance(error, sa.exc.IntegrityError) or code.startswith("40")


def database_failure(error: BaseException | None) -> tuple[Response | str, int] | None:
    """Returns the answer to a database error (409 for a race, 503 for an outage), or None
    when the error is not the database's."""
    if isinstance(error, sa.exc.DBAPIError) and _is_conflict(error):
        return _page(
            409,
            str(
                _l(
                    "Someone else changed the same thing at the same moment. Nothing of yours "
                    "was saved: reload the page to see where things stand, then try again."
                )
            ),
        )
    if not isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError | sa.exc.TimeoutError):
        return None
    log.warning("database unreachable: %s", type(getattr(error, "orig", error)).__name__)
    # The page must not reach for the database again (the signed-in user, their organisation).
    g._login_user = current_app.login_manager.anonymous_user()
    if request.blueprint in VERIFICATION_BLUEPRINTS:
        message = _l(
            "The Portal cannot check letters right now: its register is out of reach. This is "
            "not a verdict on your letter. Try again in a few minutes. Meanwhile the PDF's own "
            "digital signature can still be checked in a PDF reader, or offline with the "
            "published keys."
        )
    else:
        message = _l(
            "The Portal cannot reach its database right now. Nothing was saved. Try again in a "
            "few minutes."
        )
    body, status = _page(503, str(message))
    response = make_response(body, status)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response, status


def register_error_pages(app: Flask) -> None:
    """Renders PortalErrors and HTTP errors as pages (or JSON under /api/)."""

    @app.errorhandler(PortalError)
    def portal_error(error: PortalError) -> tuple[Response | str, int]:
        return _page(error.status_code, error.message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response | str, int] | HTTPException:
        if error.code is None or error.code < 400:
            return error
        if error.code == 429:
            return _too_many(error)
        return _page(error.code, str(error.description or ""))

    @app.errorhandler(sa.exc.DBAPIError)
    @app.errorhandler(sa.exc.TimeoutError)
    def database_error(error: Exception) -> tuple[Response | str, int]:
        answer = database_failure(error)
        if answer is None:
            raise error
        return answer

    @app.errorhandler(500)
    def server_error(error: Exception) -> tuple[Response | str, int]:
        # A commit at the end of the request fails here, after the view has answered.
        original = getattr(error, "original_exception", None)
        answer = database_failure(original) if isinstance(error, InternalServerError) else None
        if answer is not None:
            return answer
        # Never show the exception itself: it may carry data or key material.
        return _page(500, str(_l("The Portal could not finish this request. Nothing was saved.")))
