"""Checks for single outlet fields: each returns the value as stored or raises FieldError.

The same checks serve the form and the CSV import, so both accept and refuse the same things.
They touch no database; messages go through the translation layer (English outside a request).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date
from urllib.parse import urlsplit

import phonenumbers
from flask_babel import gettext as _

from portal import countries
from portal.letters.document.fonts import register_fonts
from portal.outlets.models import ServiceType

# Characters that reorder the text around them (bidi embeddings, overrides and isolates): in a
# name they can make "gnp.exe" read as "exe.png". Marks (U+200E, U+200F) stay allowed.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Control characters (Unicode category Cc), lone surrogates and the bidi controls above.
FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
MARKUP = re.compile(r"[<>]|&#?[A-Za-z0-9]+;")
OUTLET_CODE = re.compile(r"^[A-Z0-9][A-Z0-9._/\-]{0,39}$")
POSTCODE = re.compile(r"^[\w\- ]+$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
HOSTNAME = re.compile(r"^[\w\-]+(\.[\w\-]+)+$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SERVICE_TYPES = tuple(service.value for service in ServiceType)


class FieldError(ValueError):
    """A refused value: `field` is the CSV column / form field, `message` says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def plain_text(value: str | None, *, field: str, max_length: int, required: bool = True) -> str:
    """Returns the text trimmed and NFC-normalised, refusing markup and invisible controls."""
    text = unicodedata.normalize("NFC", value or "").strip()
    if not text:
        if required:
            raise FieldError(field, _("This value is required."))
        return ""
    forbidden = FORBIDDEN.search(text)
    if forbidden:
        code = ord(forbidden.group())
        if forbidden.group() in BIDI_CONTROLS:
            message = _(
                "Contains the invisible direction control U+%(code)04X; remove it.", code=code
            )
        else:
            message = _("Contains a control character (U+%(code)04X).", code=code)
        raise FieldError(field, message)
    if MARKUP.search(text):
        raise FieldError(field, _("Must not contain markup: no <, > or &…; entities."))
    if len(text) > max_length:
        raise FieldError(
            field,
            _("Too long: at most %(max)d characters, not %(n)d.", max=max_length, n=len(text)),
        )
    _refuse_undrawable(text, field)
    return text


def _refuse_undrawable(text: str, field: str) -> None:
    """Refuse a character that none of the letter's faces draws: it would print as a blank."""
    missing = register_fonts().undrawable(text)
    if missing:
        char = missing[0]
        raise FieldError(
            field,
            _(
                "The letter cannot print the character %(char)s (U+%(code)04X %(name)s): "
                "no letter font draws it. Write the name without it or in another script.",
                char=char,
                code=ord(char),
                name=unicodedata.name(char, "unnamed"),
            ),
        )


def latin_text(value: str | None, *, field: str, max_length: int) -> str:
    """Returns the text after plain_text, refusing letters of any script other than Latin."""
    text = plain_text(value, field=field, max_length=max_length)
    for char in text:
        if char.isalpha() and "LATIN" not in unicodedata.name(char, ""):
            raise FieldError(field, _("Use Latin letters only; %(char)s is not one.", char=char))
    return text


def outlet_code(value: str | None) -> str:
    """Returns the manufacturer's outlet code in upper case."""
    code = (value or "").strip().upper()
    if not code:
        raise FieldError("outlet_code", _("This value is required."))
    if not OUTLET_CODE.match(code):
        raise FieldError(
            "outlet_code",
            _("Up to 40 letters, digits and . _ / -, starting with a letter or digit."),
        )
    return code


def country_code(value: str | None) -> str:
    """Returns the ISO 3166-1 alpha-2 code in upper case."""
    code = (value or "").strip().upper()
    if not countries.is_country(code):
        raise FieldError(
            "country", _("%(code)s is not an ISO 3166-1 country code such as DE.", code=code)
        )
    return code


def phone_e164(value: str | None, *, region: str | None) -> str:
    """Returns the phone number in E.164 (+4930123456); a number without +country code is
    read as a number of `region`, the outlet's country."""
    text = (value or "").strip()
    if not text:
        raise FieldError("phone", _("This value is required."))
    try:
        number = phonenumbers.parse(text[:40], region or None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise FieldError(
            "phone",
            _(
                "%(value)s is not a valid phone number in %(country)s; "
                "write it with its country code, e.g. +49 30 1234567.",
                value=text[:40],
                country=region or "?",
            ),
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_address(value: str | None) -> str:
    """Returns the email address in lower case, or '' when none is given."""
    text = plain_text(value, field="email", max_length=254, required=False).lower()
    if text and not EMAIL.match(text):
        raise FieldError("email", _("%(value)s is not an email address.", value=text[:60]))
    return text


def website_url(value: str | None) -> str:
    """Returns an http(s) address ('https://' is added when no scheme is given), or ''."""
    text = plain_text(value, field="website", max_length=300, required=False)
    if not text:
        return ""
    if "://" not in text:
        text = "https://" + text
    if len(text) > 300:
        raise FieldError("website", _("Too long: at most %(max)d characters.", max=300))
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        parts, host = None, ""
    if (
        parts is None
        or parts.scheme.lower() not in ("http", "https")
        or not HOSTNAME.match(host)
        or parts.username is not None
        or any(char.isspace() for char in text)
    ):
        raise FieldError(
            "website",
            _("%(value)s is not a web address such as https://example.com.", value=text[:60]),
        )
    return text


def postcode(value: str | None) -> str:
    """Returns the postcode (letters, digits, spaces and hyphens), or ''."""
    text = plain_text(value, field="postcode", max_length=20, required=False)
    if text and not POSTCODE.match(text):
        raise FieldError("postcode", _("Only letters, digits, spaces and hyphens."))
    return text


def iso_date(value: str | date | None, *, field: str, required: bool) -> date | None:
    """Returns the date written as YYYY-MM-DD (None when optional and empty)."""
    if isinstance(value, date):
        return value
    text = (value or "").strip()
    if not text:
        if required:
            raise FieldError(field, _("This value is required."))
        return None
    try:
        if not ISO_DATE.match(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise FieldError(
            field, _("%(value)s is not a date written YYYY-MM-DD.", value=text[:20])
        ) from None


def date_range(active_from: date, active_until: date | None) -> None:
    """Refuses an end before the start (one day, from = until, is allowed)."""
    if active_until is not None and active_until < active_from:
        raise FieldError(
            "active_until",
            _(
                "The last day (%(until)s) is before the first day (%(start)s).",
                until=active_until.isoformat(),
                start=active_from.isoformat(),
            ),
        )


def coordinate(value: str | float | None, *, field: str, limit: float) -> float | None:
    """Returns a latitude or longitude in degrees, rounded to 6 decimals (about 10 cm)."""
    text = str(value).strip() if value is not None else ""
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise FieldError(
            field, _("%(value)s is not a number in degrees, e.g. 52.520008.", value=text[:20])
        ) from None
    if not math.isfinite(number) or abs(number) > limit:
        raise FieldError(field, _("Must lie between -%(n)d and %(n)d.", n=int(limit)))
    return round(number, 6)


def items(value: str | Iterable[str] | None) -> list[str]:
    """Returns the non-empty items of a ';'-separated text, or of a list of such texts."""
    texts = [value] if isinstance(value, str) else list(value or ())
    return [part.strip() for text in texts for part in (text or "").split(";") if part.strip()]


def service_types(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Returns the service types named, in the fixed order, at least one."""
    wanted = {item.casefold() for item in items(value)}
    known = SERVICE_TYPES
    unknown = sorted(wanted - set(known))
    if unknown:
        raise FieldError(
            "service_types",
            _(
                "Unknown service type %(value)s; use %(known)s.",
                value=", ".join(unknown)[:80],
                known="; ".join(known),
            ),
        )
    if not wanted:
        raise FieldError("service_types", _("Name at least one service type."))
    return tuple(service for service in known if service in wanted)


def brand_ids(value: str | Iterable[str] | None, *, brands: Mapping[str, int]) -> tuple[int, ...]:
    """Returns the ids of the brands named (matched without regard to case), at least one.

    `brands` maps each of the manufacturer's brand names, case-folded, to its id.
    """
    names = items(value)
    unknown = [name for name in names if name.casefold() not in brands]
    if unknown:
        raise FieldError(
            "brands",
            _("%(names)s is not a brand of this manufacturer.", names=", ".join(unknown)[:80]),
        )
    if not names:
        raise FieldError("brands", _("Name at least one brand."))
    return tuple(sorted({brands[name.casefold()] for name in names}))
