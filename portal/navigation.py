"""The navigation bar: which pages each role sees."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.security import access_of


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object


# Shown to a user only when their role may open the endpoint.
ITEMS = (
    NavItem("accounts.index", _l("Home")),
    NavItem("organisations.list_organisations", _l("Organisations")),
    NavItem("outlets.overview", _l("Outlets")),
    NavItem("requests.list_requests", _l("Requests")),
    NavItem("review.queue", _l("Review")),
    NavItem("letters.list_letters", _l("Letters")),
    NavItem("scans.overview", _l("Verifications")),
    NavItem("letter_settings.settings", _l("Letter settings")),
    NavItem("api_keys.keys", _l("API keys")),
    NavItem("accounts.users", _l("Users")),
)


def items_for_current_user() -> list[NavItem]:
    """Returns the navigation items the signed-in user's role may open."""
    if not current_user.is_authenticated:
        return []
    shown = []
    for item in ITEMS:
        if item.endpoint not in current_app.view_functions:
            continue
        access = access_of(current_app, item.endpoint)
        if access and access != "public" and current_user.role in access:
            shown.append(item)
    return shown


def init_app(app: Flask) -> None:
    """Makes the navigation available to every template."""

    @app.context_processor
    def navigation() -> dict[str, object]:
        return {"nav_items": items_for_current_user()}
