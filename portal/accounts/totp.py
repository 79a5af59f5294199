"""Time-based one-time codes (RFC 6238) and recovery codes: pure, without Flask.

A code is accepted for its own 30-second step and one step either side (clocks of phones
drift), and only for a step later than the last one accepted: a code seen by someone
looking over a shoulder, or sent twice, is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

import pyotp

DIGITS = 6
INTERVAL = 30
DRIFT_STEPS = 1
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
_RECOVERY_LENGTH = 12  # about 59 bits


def new_secret() -> str:
    """Returns a new random TOTP secret, base32 (160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """Returns the otpauth:// URI an authenticator app reads from the enrolment QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).provisioning_uri(
        name=account, issuer_name=issuer
    )


def step_of(moment: datetime) -> int:
    """Returns the 30-second step a moment falls in."""
    return int(moment.timestamp()) // INTERVAL


def matching_step(secret: str, code: str, moment: datetime, last_step: int | None) -> int | None:
    """Returns the step the code belongs to if it is right and newer than last_step, else None."""
    digits = re.sub(r"\s", "", code or "")
    if not re.fullmatch(rf"\d{{{DIGITS}}}", digits):
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)
    now = step_of(moment)
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Returns ten new recovery codes, shown once as xxxx-xxxx-xxxx."""
    return [
        "-".join(
            "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(4))
            for _ in range(_RECOVERY_LENGTH // 4)
        )
        for _ in range(RECOVERY_CODES)
    ]


def recovery_digest(code: str) -> str:
    """Returns the stored form of a recovery code: SHA-256 of it, spaces, dashes, case ignored."""
    canonical = re.sub(r"[\s\-]", "", (code or "").lower())
    return hashlib.sha256(canonical.encode()).hexdigest()


def looks_like_recovery_code(code: str) -> bool:
    """Tells whether the text has the shape of a recovery code (rather than a 6-digit code)."""
    return len(re.sub(r"[\s\-]", "", code or "")) == _RECOVERY_LENGTH
