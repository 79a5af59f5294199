"""Checks on single claim values; each raises ValueError naming the field.

They run when claims are built, whether by the Portal before signing or by the decoder on a
token, so a sealed payload can only ever hold well-formed values.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date, datetime, timedelta

MAX_TEXT_LENGTH = 64
DIGEST_LENGTH = 16
_EPOCH = date(1970, 1, 1)
# The unified social credit code alphabet: digits and capitals without I, O, S, V, Z.
_USCC = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, flags=re.ASCII)


def check_code(field: str, value: object, pattern: str) -> None:
    """Return nothing if ``value`` is a str matching ``pattern`` in full; ValueError if not."""
    if type(value) is not str or not _compiled(pattern).fullmatch(value):
        raise ValueError(f"{field} is not well-formed")


def check_text(field: str, value: object) -> None:
    """Return nothing if ``value`` is short printable text without outer spaces."""
    if type(value) is not str or not 1 <= len(value) <= MAX_TEXT_LENGTH:
        raise ValueError(f"{field} must be 1 to {MAX_TEXT_LENGTH} characters")
    if value != value.strip():
        raise ValueError(f"{field} has control characters or surrounding spaces")
    # isprintable() is False for every category C character (and for some spaces): the
    # character by character look is only needed when it says no.
    if not value.isprintable() and any(unicodedata.category(c).startswith("C") for c in value):
        raise ValueError(f"{field} has control characters or surrounding spaces")


def check_uscc(value: object) -> None:
    """Return nothing if ``value`` is empty or shaped like an 18-character USCC."""
    if type(value) is not str or (value and not _USCC.fullmatch(value)):
        raise ValueError("exporter_uscc must be empty or 18 USCC characters")


def check_digest(field: str, value: object) -> None:
    """Return nothing if ``value`` is a 16-byte digest."""
    if type(value) is not bytes or len(value) != DIGEST_LENGTH:
        raise ValueError(f"{field} must be {DIGEST_LENGTH} bytes")


def check_date(field: str, value: object) -> None:
    """Return nothing if ``value`` is a plain date (not a datetime) from 1970 on."""
    if type(value) is not date or value < _EPOCH:
        raise ValueError(f"{field} must be a date from 1970-01-01 on")


def check_instant(field: str, value: object) -> None:
    """Return nothing if ``value`` is an aware UTC datetime with whole seconds from 1970 on."""
    if type(value) is not datetime or value.utcoffset() != timedelta(0):
        raise ValueError(f"{field} must be a timezone-aware UTC datetime")
    if value.microsecond or value.year < 1970:
        raise ValueError(f"{field} must have whole seconds and be from 1970 on")
