"""The answers a verification gives: the verdict, the checks behind it, and how a refusal or a
"cannot check" is built so that the checks listed always agree with the verdict.

NOT GENUINE accuses: it is given only when a complete, well-formed token or PDF fails its
signature, names an unknown or wrong key, or contradicts the register. Input that cannot be
read, and a number with a code that match nothing, get CANNOT CHECK: a smudge or a typo must
never read as a forgery.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from portal.letters.lifecycle.models import Letter
from portal.signing import ClaimsForm


class Verdict(enum.StrEnum):
    """The one answer a person acts on."""

    VALID = "valid"
    REVOKED = "revoked"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"
    NOT_GENUINE = "not_genuine"
    # The input could not be read, or matched nothing: no judgement on the letter.
    CANNOT_CHECK = "cannot_check"
    # The seal is right, but the register's status disagrees with the letter's recorded
    # history: the status cannot be confirmed, so neither can validity.
    REGISTER_INCONSISTENT = "register_inconsistent"


# Verdicts that say the manufacturer issued the letter; NOT GENUINE says it did not; the
# others say nothing either way.
ISSUED_VERDICTS = frozenset({Verdict.VALID, Verdict.REVOKED, Verdict.EXPIRED, Verdict.SUPERSEDED})


class Outcome(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_CHECKED = "not_checked"


class CheckName(enum.StrEnum):
    """What a verification checks, in the order it checks it."""

    SIGNATURE = "signature"
    ISSUER_KEY = "issuer_key"
    REGISTER = "register"
    STATUS = "status"
    DATES = "dates"


@dataclass(frozen=True)
class Check:
    name: CheckName
    outcome: Outcome
    code: str = ""  # why it failed or was not checked, or a note on a pass


@dataclass(frozen=True)
class Verification:
    """A verdict with its reason, the checks behind it, and the letter when one was found."""

    verdict: Verdict
    checks: tuple[Check, ...]
    reason: str = ""
    letter: Letter | None = None
    form: ClaimsForm | None = None
    checked_at: datetime | None = None
    # Whose key a refused token names (readable, but its letter is not genuine): the scan log
    # tells that manufacturer that someone presents letters in its name.
    named_manufacturer_id: int | None = None

    @property
    def genuine(self) -> bool | None:
        """True: the manufacturer issued it; False: it did not; None: this check cannot say."""
        if self.verdict in ISSUED_VERDICTS:
            return True
        return False if self.verdict is Verdict.NOT_GENUINE else None

    def outcome_of(self, name: CheckName) -> Outcome:
        return next(c.outcome for c in self.checks if c.name is name)


def passed(name: CheckName, code: str = "") -> Check:
    return Check(name, Outcome.PASSED, code)


def failed(name: CheckName, code: str) -> Check:
    return Check(name, Outcome.FAILED, code)


def not_genuine(reason: str, now: datetime, *checks: Check) -> Verification:
    """Returns the refusal of a letter; at least one of ``checks`` has failed."""
    assert any(check.outcome is Outcome.FAILED for check in checks), reason
    return Verification(Verdict.NOT_GENUINE, _completed(checks), reason=reason, checked_at=now)


def cannot_check(reason: str, now: datetime) -> Verification:
    """Returns the answer for input that could not be checked: every check not done, none
    failed, because nothing was found wrong with any letter."""
    checks = tuple(Check(name, Outcome.NOT_CHECKED) for name in CheckName)
    return Verification(Verdict.CANNOT_CHECK, checks, reason=reason, checked_at=now)


def _completed(checks: tuple[Check, ...]) -> tuple[Check, ...]:
    done = {check.name for check in checks}
    rest = tuple(Check(name, Outcome.NOT_CHECKED) for name in CheckName if name not in done)
    return (*checks, *rest)
