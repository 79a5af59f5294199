"""Small pieces every domain's views use: safe redirects and showing service errors on forms."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from portal.csv_text import UnreadableText, read_csv_text
from portal.errors import PortalError


def safe_next(default_endpoint: str = "accounts.index") -> str:
    """Returns the `next` target when it stays on this site, else the default page."""
    target = request.values.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return url_for(default_endpoint)


def show_on_form(form: FlaskForm, error: PortalError) -> None:
    """Puts a service error next to its field, or at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def csv_read_as(data: bytes) -> str:
    """Returns the sentence telling what encoding and separator an upload was read with."""
    try:
        found = read_csv_text(data)
    except UnreadableText:
        return ""
    separators = {",": _("commas"), ";": _("semicolons"), "\t": _("tabs")}
    return _(
        "The file was read as %(encoding)s, with cells separated by %(separator)s.",
        encoding=found.encoding,
        separator=separators[found.separator],
    )
