"""The translation layer: English and Simplified Chinese everywhere, chosen by switch or by
the browser; on the public verification pages also Russian, Spanish, French, Arabic, Kazakh
and Uzbek (the officers and buyers of the largest destinations)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, has_request_context, request, session, url_for
from flask_babel import Babel, get_locale

TRANSLATIONS = Path(__file__).parent / "translations"
LANGUAGE_NAMES = {"en": "English", "zh_Hans": "简体中文"}
VERIFICATION_LANGUAGE_NAMES = {
    **LANGUAGE_NAMES,
    "ru": "Русский",
    "es": "Español",
    "fr": "Français",
    "ar": "العربية",
    "kk": "Қазақша",
    "uz": "Oʻzbekcha",
}
RIGHT_TO_LEFT = frozenset({"ar"})
# The pages officers, customs and buyers abroad read: verification and its API.
WIDE_BLUEPRINTS = frozenset({"verification", "api"})
# Browsers send zh-CN or zh-Hans; both mean the Simplified Chinese catalogue.
_OFFERED = {
    "en": "en",
    "zh": "zh_Hans",
    "zh-CN": "zh_Hans",
    "zh-Hans": "zh_Hans",
    "zh-SG": "zh_Hans",
    "ru": "ru",
    "es": "es",
    "fr": "fr",
    "ar": "ar",
    "kk": "kk",
    "kk-KZ": "kk",
    "uz": "uz",
    "uz-Latn": "uz",
    "uz-UZ": "uz",
}


def languages_here() -> tuple[str, ...]:
    """Returns the languages the current page is offered in."""
    if has_request_context() and request.blueprint in WIDE_BLUEPRINTS:
        return tuple(current_app.config["VERIFICATION_LANGUAGES"])
    return tuple(current_app.config["LANGUAGES"])


def select_locale() -> str:
    """Returns the language chosen with the switch, else the browser's best match."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]  # command line: English
    languages = languages_here()
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    offered = {tag: code for tag, code in _OFFERED.items() if code in languages}
    best = request.accept_languages.best_match(list(offered))
    return offered.get(best or "", current_app.config["BABEL_DEFAULT_LOCALE"])


def html_lang() -> str:
    """Returns the BCP 47 tag of the current language, for the page's lang attribute."""
    code = str(get_locale())
    return "zh-Hans" if code == "zh_Hans" else code


def text_direction() -> str:
    """Returns "rtl" for right-to-left languages, else "ltr"."""
    return "rtl" if str(get_locale()) in RIGHT_TO_LEFT else "ltr"


def switch_target() -> str:
    """Returns where the language switch leads back to: this page, or for the answer to a
    form (which cannot be fetched again) the page with the form."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    return url_for("verification.check") if request.blueprint in WIDE_BLUEPRINTS else "/"


def init_app(app: Flask) -> None:
    """Attaches Flask-Babel with the Portal's catalogues."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=select_locale)
    app.add_template_global(get_locale)
    app.add_template_global(html_lang)
    app.add_template_global(text_direction)
    app.add_template_global(switch_target)

    @app.context_processor
    def languages() -> dict[str, object]:
        names = {code: VERIFICATION_LANGUAGE_NAMES[code] for code in languages_here()}
        return {"language_names": names}
