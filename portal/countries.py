"""Countries: ISO 3166-1 alpha-2 codes and their names in the person's language."""

from __future__ import annotations

import gettext
from functools import lru_cache
from typing import Any

import pycountry

# pycountry ships the iso-codes catalogues; the Portal's zh_Hans is their zh_CN.
_CATALOGUE_OF_LOCALE = {"zh_Hans": "zh_CN", "zh": "zh_CN"}


def normalise_country(code: str) -> str:
    """Return the code trimmed and upper-cased, as it is stored."""
    return (code or "").strip().upper()


def is_country(code: str) -> bool:
    """Tells whether the code is an ISO 3166-1 alpha-2 country code."""
    code = normalise_country(code)
    return len(code) == 2 and code.isalpha() and code.isascii() and _country(code) is not None


def country_name(code: str, locale: str = "en") -> str:
    """Return the country's short name in the language, or the code itself if unknown."""
    country = _country(normalise_country(code))
    if country is None:
        return code
    name = getattr(country, "common_name", None) or country.name
    return _translation(str(locale)).gettext(name)


@lru_cache(maxsize=512)
def _country(code: str) -> Any:  # pycountry's record type is not public
    if len(code) != 2:
        return None
    try:
        return pycountry.countries.get(alpha_2=code)
    except (KeyError, LookupError):
        return None


@lru_cache(maxsize=8)
def _translation(locale: str) -> gettext.NullTranslations:
    language = _CATALOGUE_OF_LOCALE.get(locale, locale)
    if language == "en":
        return gettext.NullTranslations()
    return gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )
