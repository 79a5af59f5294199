"""CSRF, security headers, the deny-by-default access check and rate limits."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Flask, Response, abort, current_app, redirect, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect

from portal import rate_limits
from portal.rate_limits import limiter

F = TypeVar("F", bound=Callable[..., Any])

csrf = CSRFProtect()
__all__ = ["allow", "csrf", "limiter", "public"]

PUBLIC = "public"


def public(view: F) -> F:
    """Marks a view as reachable without signing in (the short explicit list)."""
    view._portal_access = PUBLIC  # type: ignore[attr-defined]
    return view


def allow(*roles: Any) -> Callable[[F], F]:
    """Marks a view as reachable by signed-in users holding one of these roles."""

    def mark(view: F) -> F:
        view._portal_access = frozenset(roles)  # type: ignore[attr-defined]
        return view

    return mark


def access_of(app: Flask, endpoint: str) -> Any:
    """Returns PUBLIC, the frozenset of roles allowed, or None for an unmarked endpoint."""
    if endpoint == "static":
        return PUBLIC
    view = app.view_functions.get(endpoint)
    return getattr(view, "_portal_access", None)


def _check_access() -> Response | None:
    if request.endpoint is None:
        return None  # a 404 or 405 follows
    access = access_of(current_app, request.endpoint)
    if access == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    # An endpoint that declares no roles is closed to everybody.
    if not access or current_user.role not in access:
        abort(403)
    return None


CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "static" and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Turns on CSRF protection, the access check, security headers and rate limits."""
    csrf.init_app(app)
    # Imported here: the API keys' module reaches the database models, which import this one.
    from portal.verification.api_keys import resolve_api_client

    rate_limits.init_app(app, before_limits=[resolve_api_client])
    app.before_request(_check_access)
    app.after_request(_headers)


def roles_named(roles: Iterable[Any]) -> list[str]:
    """Returns the role values, sorted, for messages and tests."""
    return sorted(str(getattr(role, "value", role)) for role in roles)
