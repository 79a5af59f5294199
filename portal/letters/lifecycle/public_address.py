"""The address every letter carries in its QR code: the Portal's public base URL.

A letter lives for years, and its QR code points at this address all that time; so outside
development the Portal issues nothing until the operator has set it on purpose."""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _

from portal.errors import PortalError

# Only for debug and test runs, where the Portal is its own only reader.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


class BaseUrlMissing(PortalError):
    """PORTAL_PUBLIC_BASE_URL is not set, so a letter's QR code would point nowhere."""

    status_code = 503


def configured_base_url(app: Flask) -> str | None:
    """Returns the address letters will carry, or None while none can be used."""
    configured = app.config.get("PUBLIC_BASE_URL")
    if configured:
        return str(configured).rstrip("/")
    if app.debug or app.testing:
        return DEVELOPMENT_BASE_URL
    return None


def letters_base_url(app: Flask) -> str:
    """Returns the address letters carry; BaseUrlMissing while none is set."""
    base_url = configured_base_url(app)
    if base_url is None:
        raise BaseUrlMissing(
            _(
                "No letter can be issued yet: the address printed in the letters' QR codes is "
                "not set. Ask the operator to set PORTAL_PUBLIC_BASE_URL to the Portal's "
                "public address (for example https://portal.example.cn) and restart it."
            )
        )
    return base_url
