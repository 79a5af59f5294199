"""Which passwords the Portal refuses: too short, too long, or easy to guess (ASVS 6.2).

zxcvbn estimates how many guesses a password takes against its lists of common and breached
passwords, words, names, keyboard patterns, repeats and dates, and against the person's own
email address and name. A password it scores below 3 ("safely unguessable: moderate
protection from offline slow-hash scenario") is refused; no rule about character classes is
imposed.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from zxcvbn import zxcvbn

from portal.errors import ValidationError

MIN_PASSWORD = 10
MAX_PASSWORD = 200
MIN_SCORE = 3
# zxcvbn refuses longer input; a long password's guessability is decided by its start.
_ESTIMATED_PREFIX = 72


def check_password_strength(password: str, *, email: str = "", name: str = "") -> None:
    """Returns nothing if the password may be used, or raises ValidationError saying why."""
    if len(password) < MIN_PASSWORD:
        raise ValidationError(
            _("A password has at least %(n)d characters.", n=MIN_PASSWORD), field="password"
        )
    if len(password) > MAX_PASSWORD:
        raise ValidationError(
            _("A password has at most %(n)d characters.", n=MAX_PASSWORD), field="password"
        )
    if password.strip().lower() == email.lower():
        raise ValidationError(_("The password cannot be your email address."), field="password")
    local = email.split("@")[0]
    hints = [email, local, re.sub(r"[^a-z0-9]", "", local.lower()), *name.split()]
    hints += ["".join(name.split()), "portal"]
    result = zxcvbn(password[:_ESTIMATED_PREFIX], user_inputs=[h for h in hints if h])
    if result["score"] < MIN_SCORE:
        raise ValidationError(
            _(
                "This password is too easy to guess: it is a common or leaked password, or "
                "close to one, a pattern, or your own name or address. Choose a longer one, "
                "for example a few unusual words."
            ),
            field="password",
        )
