"""Unified social credit codes, checked with python-stdnum."""

from __future__ import annotations

import pytest

from portal.accounts.uscc import UsccError, validate_uscc, with_check_character


def test_check_character_is_computed_and_verified():
    code = with_check_character("91440300MA5F00001")
    assert validate_uscc(code) == code
    assert validate_uscc(code.lower()) == code
    assert validate_uscc(f" {code[:6]}-{code[6:]} ") == code


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "18 characters"),
        ("91440300MA5F0000", "18 characters"),
        ("91440300MA5F00001" + "0", None),  # wrong check character (unless it happens to fit)
        ("9144030OMA5F00001X", "characters"),
    ],
)
def test_invalid_codes_say_why(value, reason):
    if reason is None:
        good = with_check_character(value[:17])
        value = value[:17] + ("0" if good[-1] != "0" else "1")
        reason = "check character"
    with pytest.raises(UsccError, match=reason):
        validate_uscc(value)


def test_every_single_character_typo_of_a_code_is_caught():
    code = with_check_character("91310115MA1K00002")
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for position in range(18):
        for replacement in alphabet:
            if replacement == code[position]:
                continue
            typo = code[:position] + replacement + code[position + 1 :]
            with pytest.raises(UsccError):
                validate_uscc(typo)
