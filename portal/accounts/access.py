"""The current organisation and user, and loading users for Flask-Login."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user

from portal.accounts.models import Organisation, User
from portal.accounts.roles import OrgKind
from portal.db import db_session


def init_login(app: Flask) -> None:
    """Sets up Flask-Login: sessions are valid only while the user's session version holds."""
    manager = LoginManager()
    manager.login_view = "accounts.login"
    manager.login_message = _l("Please sign in to see this page.")
    manager.login_message_category = "info"
    manager.session_protection = "strong"
    manager.user_loader(_load_user)
    manager.init_app(app)


def _load_user(user_id: str) -> User | None:
    try:
        id_text, version_text = user_id.split(":", 1)
        ident, version = int(id_text), int(version_text)
    except ValueError:
        return None
    user = db_session().get(User, ident)
    if user is None or user.session_version != version or not user.is_active:
        return None
    return user


def current_org() -> Organisation:
    """Returns the organisation of the signed-in user."""
    return current_user.organisation


def current_org_id() -> int:
    """Returns the id of the signed-in user's organisation."""
    return current_user.organisation_id


def is_kind(kind: OrgKind) -> bool:
    """Tells whether the signed-in user belongs to an organisation of this kind."""
    return current_user.is_authenticated and current_user.organisation.kind is kind
