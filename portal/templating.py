"""Filters and helpers the templates share."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from flask_babel import format_date, format_datetime, get_locale
from markupsafe import Markup

from portal.accounts.roles import KIND_LABELS, ROLE_LABELS, OrgKind, Role
from portal.clock import china_date
from portal.countries import country_name, local_country_name


def role_label(role: Role) -> str:
    """Returns the role's name in the current language."""
    return str(ROLE_LABELS[role])


def kind_label(kind: OrgKind) -> str:
    """Returns the organisation kind's name in the current language."""
    return str(KIND_LABELS[kind])


def datetime_utc(value: datetime) -> str:
    """Returns a date and time as people read it, in UTC."""
    return format_datetime(value, "yyyy-MM-dd HH:mm") + " UTC"


def iso_date(value: date) -> str:
    """Returns a date as YYYY-MM-DD, the form used on registration certificates."""
    return format_date(value, "yyyy-MM-dd")


def country(code: str) -> str:
    """Returns the country's name in the current language, followed by its code."""
    return f"{country_name(code, str(get_locale()))} ({code})"


def bidi(value: object) -> Markup:
    """Returns the value isolated from the text around it (a Latin name or a number on an
    Arabic page keeps its own direction and punctuation)."""
    return Markup("<bdi>{}</bdi>").format(value)


def local_date(value: date) -> Markup:
    """Returns a date written the way the current language writes dates, isolated. A moment
    is dated in China's calendar, as letters are."""
    if isinstance(value, datetime):
        value = china_date(value)
    return Markup('<bdi><time datetime="{}">{}</time></bdi>').format(
        value.isoformat(), format_date(value, "long")
    )


def local_datetime(value: datetime) -> Markup:
    """Returns a moment in the current language's way, in UTC, isolated."""
    shown = format_datetime(value, "medium") + " UTC"
    return Markup('<bdi><time datetime="{}">{}</time></bdi>').format(value.isoformat(), shown)


def local_country(code: str) -> Markup:
    """Returns the country's name in the current language (CLDR territory names), with its
    code, isolated."""
    return bidi(f"{local_country_name(code, str(get_locale()))} ({code})")


def init_app(app: Flask) -> None:
    """Registers the shared filters and globals."""
    app.add_template_global(role_label)
    app.add_template_global(kind_label)
    app.add_template_filter(datetime_utc)
    app.add_template_filter(iso_date)
    app.add_template_filter(country)
    app.add_template_global(bidi)
    app.add_template_filter(local_date)
    app.add_template_filter(local_datetime)
    app.add_template_global(local_country)
