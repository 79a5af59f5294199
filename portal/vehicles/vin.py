"""Vehicle identification numbers (VINs): normalising, validating and checking ownership.

A VIN has 17 characters (ISO 3779): the world manufacturer identifier (WMI) in positions 1-3,
the vehicle descriptor section in 4-9 and the vehicle identifier section in 10-17. The letters
I, O and Q are never used, so that they cannot be confused with 1 and 0.

Position 9 is a check digit computed with the North-American method (49 CFR 565). China made it
mandatory for vehicles sold there (GB 16735), so every vehicle the Portal confirms carries one;
it catches nearly every single mistyped character.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from enum import StrEnum

VIN_LENGTH = 17
CHECK_DIGIT_POSITION = 9  # 1-based, as the standards count
ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"

# The letters run in three rows, A-I = 1-9, J-R = 1-9 and S-Z = 2-9; I, O and Q are left out
# but keep their places, which is why P is 7 and R is 9.
TRANSLITERATION: dict[str, int] = {
    **{digit: int(digit) for digit in "0123456789"},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
WEIGHTS: tuple[int, ...] = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)

# People paste VINs from registration certificates and spreadsheets with spaces or hyphens
# between groups; those are separators, never part of the number.
_SEPARATORS = re.compile(r"[\s\-]+")


class VinErrorCode(StrEnum):
    """Why a VIN was refused."""

    LENGTH = "length"
    CHARACTERS = "characters"
    CHECK_DIGIT = "check_digit"
    FOREIGN_WMI = "foreign_wmi"


class VinError(ValueError):
    """A VIN that cannot be accepted, with a machine code and an English message.

    The optional attributes carry the values the message was built from, so that a form can
    phrase the problem in another language.
    """

    def __init__(
        self,
        code: VinErrorCode,
        message: str,
        *,
        position: int | None = None,
        character: str | None = None,
        expected: str | None = None,
        found: str | None = None,
        wmi: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.position = position
        self.character = character
        self.expected = expected
        self.found = found
        self.wmi = wmi


def normalise_vin(text: str) -> str:
    """Return the VIN as it should be stored: separators removed, upper case.

    Full-width characters typed with a Chinese input method (ＬＧＸ…) become their ASCII forms
    (NFKC); spaces and hyphens anywhere are removed. Nothing else is corrected: an O stays an O
    and is refused by `validate_vin`, because guessing could confirm the wrong vehicle.
    """
    text = unicodedata.normalize("NFKC", text)
    return _SEPARATORS.sub("", text).upper()


def validate_vin(text: str, *, require_check_digit: bool = True) -> str:
    """Return the normalised VIN, or raise `VinError` saying what is wrong with it."""
    vin = normalise_vin(text)
    _check_length(vin)
    _check_characters(vin)
    if require_check_digit:
        _check_check_digit(vin)
    return vin


def wmi(vin: str) -> str:
    """Return the world manufacturer identifier: the first three characters of the VIN."""
    return validate_vin(vin, require_check_digit=False)[:3]


def check_digit(vin: str) -> str:
    """Return the check digit ('0'-'9' or 'X') that position 9 of this VIN should hold.

    Whatever position 9 currently holds is ignored (its weight is 0), so this also computes the
    digit for a VIN that is still being assembled.
    """
    vin = validate_vin(vin, require_check_digit=False)
    return _compute_check_digit(vin)


def ensure_wmi_owned(vin: str, owned_wmis: Iterable[str]) -> None:
    """Return nothing if the manufacturer owning `owned_wmis` made this VIN; raise otherwise.

    A WMI whose third character is 9 is shared by small manufacturers (fewer than 1,000
    vehicles a year), each told apart by positions 12-14. For such VINs only a six-character
    entry (WMI followed by positions 12-14, e.g. "LA9ABC") counts as ownership, otherwise one
    small manufacturer could confirm the vehicles of all the others.
    """
    vin = validate_vin(vin, require_check_digit=False)
    identifier = manufacturer_identifier(vin)
    owned = {normalise_vin(entry) for entry in owned_wmis}
    if identifier in owned:
        return
    raise VinError(
        VinErrorCode.FOREIGN_WMI,
        f"The VIN {vin} starts with the manufacturer identifier {identifier}, which is not "
        "one of this manufacturer's: a manufacturer may only confirm vehicles it made.",
        wmi=identifier,
    )


def manufacturer_identifier(vin: str) -> str:
    """Return the WMI, extended by positions 12-14 when it belongs to a small manufacturer."""
    vin = validate_vin(vin, require_check_digit=False)
    if vin[2] == "9":
        return vin[:3] + vin[11:14]
    return vin[:3]


def _compute_check_digit(vin: str) -> str:
    """Return the check digit of a VIN known to have 17 allowed characters."""
    # vininfo's Vin.verify_checksum only answers yes or no (and says no for some brands and
    # model years by design); the Portal needs the expected digit for its error message.
    total = sum(TRANSLITERATION[char] * weight for char, weight in zip(vin, WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def _check_length(vin: str) -> None:
    """Return nothing if the VIN has 17 characters; raise `VinError(LENGTH)` otherwise."""
    if len(vin) == VIN_LENGTH:
        return
    raise VinError(
        VinErrorCode.LENGTH,
        f"A VIN has {VIN_LENGTH} characters; {_characters(len(vin))} "
        "(not counting spaces and hyphens).",
        found=str(len(vin)),
    )


def _check_characters(vin: str) -> None:
    """Return nothing if every character is allowed; raise `VinError(CHARACTERS)` otherwise."""
    for position, char in enumerate(vin, start=1):
        if char in ALPHABET:
            continue
        if char in "IOQ":
            hint = "the letters I, O and Q are never used in a VIN (did you mean 1 or 0?)"
        else:
            hint = "a VIN holds only the digits 0-9 and the letters A-Z except I, O and Q"
        raise VinError(
            VinErrorCode.CHARACTERS,
            f"Character {position} of the VIN is {char!r}: {hint}.",
            position=position,
            character=char,
        )


def _check_check_digit(vin: str) -> None:
    """Return nothing if position 9 holds the right check digit; raise `VinError` otherwise."""
    expected = _compute_check_digit(vin)
    found = vin[CHECK_DIGIT_POSITION - 1]
    if found == expected:
        return
    raise VinError(
        VinErrorCode.CHECK_DIGIT,
        f"The check digit (character 9) of the VIN {vin} is {found!r}, but the other "
        f"characters give {expected!r}: one of the characters is probably mistyped.",
        position=CHECK_DIGIT_POSITION,
        expected=expected,
        found=found,
    )


def _characters(count: int) -> str:
    """Return 'N characters were given' with the right plural."""
    if count == 1:
        return "1 character was given"
    return f"{count} characters were given"
