"""Letter values and body placeholder filling."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.letters.document.content import (
    BODY_PLACEHOLDERS,
    DEFAULT_BODY_EN,
    DEFAULT_BODY_ZH,
    LetterDocument,
    TemplateError,
    fill_body,
    split_paragraphs,
)

VALUES = {"manufacturer_name": "M", "country_name": "C", "exporter_name": "E"}


@pytest.mark.parametrize("template", [DEFAULT_BODY_ZH, DEFAULT_BODY_EN])
def test_default_templates_use_exactly_the_documented_placeholders(template: str) -> None:
    filled = fill_body(template, {name: f"<<{name}>>" for name in BODY_PLACEHOLDERS})
    for name in BODY_PLACEHOLDERS:
        assert f"<<{name}>>" in filled
    assert "{" not in filled and "}" not in filled


def test_default_templates_state_the_service_promise() -> None:
    zh = fill_body(DEFAULT_BODY_ZH, VALUES)
    en = fill_body(DEFAULT_BODY_EN, VALUES)
    for word in ("售后", "零配件", "技术支持", "648"):
        assert word in zh
    for word in ("after-sales", "spare parts", "technical support", "No. 648"):
        assert word in en
    assert len(split_paragraphs(zh)) == len(split_paragraphs(en)) == 2


def test_unknown_placeholder_is_named_in_the_error() -> None:
    with pytest.raises(TemplateError, match=r"\{vin\}"):
        fill_body("VIN {vin}", VALUES)


@pytest.mark.parametrize(
    "template",
    ["{country_name.__class__}", "{country_name[0]}", "{country_name!r}", "{country_name:>9}"],
)
def test_only_bare_names_are_allowed(template: str) -> None:
    with pytest.raises(TemplateError, match="plain name"):
        fill_body(template, VALUES)


@pytest.mark.parametrize("template", ["{}", "{0}", "a { b", "a } b"])
def test_malformed_templates_are_rejected(template: str) -> None:
    with pytest.raises(TemplateError):
        fill_body(template, VALUES)


def test_doubled_braces_are_literal_and_values_are_not_expanded() -> None:
    assert fill_body("{{x}} {exporter_name}", {"exporter_name": "{country_name}"}) == (
        "{x} {country_name}"
    )


@given(st.text().filter(lambda t: "{" not in t and "}" not in t))
def test_text_without_braces_is_unchanged(text: str) -> None:
    assert fill_body(text, {}) == text


@given(st.text())
def test_values_are_inserted_verbatim(value: str) -> None:
    assert fill_body("[{country_name}]", {"country_name": value}) == f"[{value}]"


def test_split_paragraphs_joins_wrapped_lines() -> None:
    assert split_paragraphs("a\nb\n\n\n  c  \n\n") == ("a b", "c")
    assert split_paragraphs("我公司确认，\n将提供服务。\nBYD\nAuto") == (
        "我公司确认，将提供服务。BYD Auto",
    )


def test_letter_document_is_frozen_and_keeps_tuples(
    make_letter: Callable[..., LetterDocument],
) -> None:
    letter = make_letter()
    again = dataclasses.replace(letter, outlets=list(letter.outlets), body_zh=["一"])
    assert isinstance(again.outlets, tuple) and again.body_zh == ("一",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        letter.letter_number = "X"  # type: ignore[misc]


def test_letter_document_requires_outlets_and_a_sane_validity(
    make_letter: Callable[..., LetterDocument],
) -> None:
    letter = make_letter()
    with pytest.raises(ValueError, match="outlet"):
        dataclasses.replace(letter, outlets=())
    with pytest.raises(ValueError, match="valid_until"):
        dataclasses.replace(letter, valid_until=letter.issue_date - dt.timedelta(days=1))
