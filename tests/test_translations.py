"""The Simplified Chinese catalogue covers every message, keeps its placeholders, is
compiled, and the pages switch language by choice or by the browser's preference."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "portal" / "translations" / "zh_Hans" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _source_messages() -> set[str]:
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found = set()
    for folder, method in (("portal", "python"), ("templates", "jinja2")):
        pattern = "**.py" if method == "python" else "**.html"
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, [(pattern, method)], keywords=keywords
        ):
            found.add(message if isinstance(message, str) else tuple(message))
    return found


@pytest.fixture(scope="module")
def po():
    with open(CATALOGUE / "messages.po", "rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id}


def _forms(text: str | tuple[str, ...]) -> tuple[str, ...]:
    """Return the text's forms: one for a plain message, every plural form otherwise."""
    return (text,) if isinstance(text, str) else tuple(text)


def test_every_message_in_the_code_is_translated(po):
    untranslated = sorted(
        (m for m in _source_messages() if not all(_forms(po.get(m) or ""))), key=str
    )
    assert untranslated == [], "run pybabel extract/update and translate (docs/development.md)"


def test_translations_keep_their_placeholders(po):
    broken = {
        msgid: text
        for msgid, text in po.items()
        if any(
            sorted(PLACEHOLDER.findall(_forms(msgid)[-1])) != sorted(PLACEHOLDER.findall(form))
            for form in _forms(text)
        )
    }
    assert broken == {}


def test_compiled_catalogue_matches_the_source(po):
    with open(CATALOGUE / "messages.mo", "rb") as handle:
        compiled = {
            (m.id if isinstance(m.id, str) else tuple(m.id)): (
                m.string if isinstance(m.string, str) else tuple(m.string)
            )
            for m in read_mo(handle)
            if m.id
        }
    assert compiled == po, "run pybabel compile -d portal/translations"


def test_language_switch_and_browser_preference(client):
    assert "Sign in" in client.get("/login").get_data(as_text=True)
    chinese = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "登录" in chinese.get_data(as_text=True)
    assert 'lang="zh-Hans"' in chinese.get_data(as_text=True)
    client.get("/language/zh_Hans")
    assert "电子邮箱" in client.get("/login").get_data(as_text=True)
    client.get("/language/en")
    assert "Email address" in client.get("/login").get_data(as_text=True)


def test_messages_from_services_are_translated(client, make):
    client.get("/language/zh_Hans")
    page = client.post("/login", data={"email": "x@example.test", "password": "wrong"})
    assert "电子邮箱或密码不正确。" in page.get_data(as_text=True)


# The public verification pages also speak these languages: their own messages (verdicts,
# reasons, checks, field names, forms) must all be translated; other text may stay English.
VERIFICATION_LANGUAGES = ("ru", "es", "fr", "ar", "kk", "uz")
PUBLIC_SOURCES = (
    ("portal/verification", "labels.py", "python"),
    ("portal/verification", "forms.py", "python"),
    ("templates/verification", "_verdict.html", "jinja2"),
    ("templates/verification", "_letter.html", "jinja2"),
    ("templates/verification", "result.html", "jinja2"),
    ("templates/verification", "pdf_result.html", "jinja2"),
    ("templates/verification", "check.html", "jinja2"),
)


def _public_messages() -> set[str]:
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found = set()
    for folder, name, method in PUBLIC_SOURCES:
        for _file, _line, message, _c, _ctx in extract_from_dir(
            ROOT / folder, [(name, method)], keywords=keywords
        ):
            found.add(message)
    return found


def _catalogue(language: str, kind: str) -> dict:
    path = ROOT / "portal" / "translations" / language / "LC_MESSAGES" / f"messages.{kind}"
    reader = read_po if kind == "po" else read_mo
    with open(path, "rb") as handle:
        # Singular messages: the verification pages use no plural forms.
        return {
            m.id: m.string for m in reader(handle) if isinstance(m.id, str) and m.id and m.string
        }


@pytest.mark.parametrize("language", VERIFICATION_LANGUAGES)
def test_the_verification_pages_are_translated(language):
    po = _catalogue(language, "po")
    public = _public_messages()
    assert len(public) > 60
    assert sorted(m for m in public if not po.get(m)) == []
    broken = [
        msgid
        for msgid, text in po.items()
        if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(text))
    ]
    assert broken == []
    assert _catalogue(language, "mo") == po, "run pybabel compile -d portal/translations"
