"""The translation layer: English and Simplified Chinese, chosen by switch or by the browser."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Babel, get_locale

TRANSLATIONS = Path(__file__).parent / "translations"
LANGUAGE_NAMES = {"en": "English", "zh_Hans": "简体中文"}


def select_locale() -> str:
    """Returns the language chosen with the switch, else the browser's best match."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]  # command line: English
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    # Browsers send zh-CN or zh-Hans; both mean the Simplified Chinese catalogue.
    offered = {
        "en": "en",
        "zh": "zh_Hans",
        "zh-CN": "zh_Hans",
        "zh-Hans": "zh_Hans",
        "zh-SG": "zh_Hans",
    }
    best = request.accept_languages.best_match(list(offered))
    return offered.get(best or "", current_app.config["BABEL_DEFAULT_LOCALE"])


def init_app(app: Flask) -> None:
    """Attaches Flask-Babel with the Portal's catalogues."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=select_locale)
    app.add_template_global(get_locale)

    @app.context_processor
    def languages() -> dict[str, object]:
        return {"language_names": LANGUAGE_NAMES}
