"""The PortalError family and the HTTP error pages."""

from __future__ import annotations

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException


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

    @app.errorhandler(500)
    def server_error(_error: Exception) -> tuple[Response | str, int]:
        # Never show the exception itself: it may carry data or key material.
        return _page(500, str(_l("The Portal could not finish this request. Nothing was saved.")))
