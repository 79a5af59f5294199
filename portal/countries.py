"""Countries by ISO 3166-1 alpha-2 code: the list from pycountry; their names in every
language of the Portal from Babel's CLDR territory names (the names printed on letters stay
pycountry's, as issued)."""

from __future__ import annotations

import gettext
from functools import cache

import pycountry
from babel import Locale, UnknownLocaleError


@cache
def _chinese() -> gettext.NullTranslations:
    # The iso-codes catalogue zh_CN is Simplified Chinese, the Portal's zh_Hans.
    return gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"], fallback=True
    )


@cache
def _names() -> dict[str, str]:
    return {country.alpha_2: country.name for country in pycountry.countries}


def normalise_country(code: str) -> str:
    """Returns the code trimmed and upper-cased, as it is stored."""
    return (code or "").strip().upper()


def is_country(code: str) -> bool:
    """Tells whether the text is an ISO 3166-1 alpha-2 code (upper case, as stored)."""
    return code in _names()


def name_en(code: str) -> str:
    """Returns the country's English name, or the code itself when it is unknown."""
    return _names().get(code, code)


def name_zh(code: str) -> str:
    """Returns the country's Simplified Chinese name (the English one if none is translated)."""
    name = _names().get(code)
    return _chinese().gettext(name) if name else code


def label(code: str) -> str:
    """Returns the code with both names, e.g. 'DE · Germany · 德国'."""
    return f"{code} · {name_en(code)} · {name_zh(code)}"


def country_name(code: str, locale: object = "en") -> str:
    """Returns the country's name in the interface language."""
    return local_country_name(code, locale)


@cache
def _territories(locale: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(locale).territories)
    except (UnknownLocaleError, ValueError):
        return {}


def local_country_name(code: str, locale: object) -> str:
    """Returns the country's name in a language (CLDR), else its English name."""
    return _territories(str(locale)).get(code) or name_en(code)


def local_label(code: str, locale: object) -> str:
    """Returns the country's name in a language with its code, e.g. '德国 (DE)'."""
    return f"{local_country_name(code, locale)} ({code})"


def local_choices(locale: object, codes: list[str] | None = None) -> list[tuple[str, str]]:
    """Returns (code, label) for these countries (else every country) in a language, sorted
    by the name shown, for select fields."""
    chosen = list(_names()) if codes is None else codes
    labelled = [(code, local_label(code, locale)) for code in chosen]
    return sorted(labelled, key=lambda item: item[1])


@cache
def choices() -> list[tuple[str, str]]:
    """Returns (code, label) for every country, sorted by English name, for select fields."""
    return [(code, label(code)) for code in sorted(_names(), key=lambda c: _names()[c])]
