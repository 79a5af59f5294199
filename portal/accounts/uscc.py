"""The Chinese unified social credit code (统一社会信用代码, GB 32100-2015)."""

from __future__ import annotations

from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError


class UsccError(ValueError):
    """A unified social credit code that is malformed; `code` says how (length, check,
    characters) and the message says it in English."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def normalise_uscc(value: str) -> str:
    """Returns the code without spaces or dashes, upper case."""
    return uscc.compact(value or "")


def validate_uscc(value: str) -> str:
    """Returns the normalised code, or raises UsccError saying what is wrong with it."""
    code = normalise_uscc(value)
    try:
        return uscc.validate(code)
    except InvalidLength:
        raise UsccError("length", f"must have 18 characters, not {len(code)}") from None
    except InvalidChecksum:
        raise UsccError(
            "check", "the check character does not match; please check for a typing error"
        ) from None
    except (InvalidFormat, ValidationError):
        raise UsccError(
            "characters", "contains characters that a unified social credit code cannot have"
        ) from None


def with_check_character(first17: str) -> str:
    """Returns the 17 characters followed by their check character (for demo data and tests)."""
    return first17 + uscc.calc_check_digit(first17)
