"""Two-factor sign-in: enrolment, checking a code, recovery codes, and resetting. They flush;
the caller commits.

Required for the roles in TWO_FACTOR_ROLES (platform admins, manufacturer admins, issuers),
optional for everyone else. A code is checked with the user's row locked, so the same code
sent twice at the same moment is still accepted only once.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.accounts import totp
from portal.accounts.models import RecoveryCode, User
from portal.accounts.roles import TWO_FACTOR_ROLES
from portal.accounts.throttle import note_failure, open_gate
from portal.audit.record import record
from portal.errors import PortalError, ValidationError


class SecondFactorFailed(PortalError):
    status_code = 401


def required_for(user: User) -> bool:
    """Tells whether the user's role must sign in with a second factor."""
    return user.role in TWO_FACTOR_ROLES


def needs_enrolment(user: User) -> bool:
    """Tells whether the user must enrol a second factor before doing anything else."""
    return required_for(user) and not user.has_two_factor


def enrol(session: Session, user: User, secret: str, code: str, *, now: datetime) -> list[str]:
    """Saves the secret once a code from it proves the app holds it; returns the ten new
    recovery codes (shown once, stored hashed)."""
    step = totp.matching_step(secret, code, now, None)
    if step is None:
        raise ValidationError(
            _(
                "This code does not match. Check that your phone's clock is right and type "
                "the 6-digit code the app shows now."
            ),
            field="code",
        )
    user.totp_secret = secret
    user.totp_last_step = step
    user.two_factor_since = now
    codes = replace_recovery_codes(session, user, now=now)
    record(session, "user.two_factor_enrolled", actor=user, obj=user)
    return codes


def replace_recovery_codes(session: Session, user: User, *, now: datetime) -> list[str]:
    """Returns ten new recovery codes; the older ones stop working."""
    session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = totp.new_recovery_codes()
    session.add_all(
        RecoveryCode(user_id=user.id, code_hash=totp.recovery_digest(code), created_at=now)
        for code in codes
    )
    session.flush()
    return codes


def unused_recovery_codes(session: Session, user: User) -> int:
    """Returns how many of the user's recovery codes are left."""
    return session.scalar(
        sa.select(sa.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def check_code(
    session: Session, user: User, code: str, *, now: datetime, free_attempts: int, max_delay: int
) -> str:
    """Returns "totp" or "recovery" for an accepted code, or raises SecondFactorFailed (or
    LoginThrottled after too many wrong codes)."""
    gate = open_gate(
        session,
        f"second-factor:{user.id}",
        free_attempts=free_attempts,
        max_delay=max_delay,
        now=now,
    )
    locked = session.get(User, user.id, with_for_update=True, populate_existing=True)
    if locked is None or locked.totp_secret is None:
        raise SecondFactorFailed(_("Two-factor sign-in is not set up for this account."))
    kind = _accepted(session, locked, code, now)
    if kind is None:
        note_failure(session, gate, now)
        raise SecondFactorFailed(
            _(
                "This code is not right, or it was used already. Wait for the next code of "
                "your app, or use one of your recovery codes."
            )
        )
    session.delete(gate)
    session.flush()
    record(session, f"user.signed_in_{kind}", actor=locked, obj=locked)
    return kind


def _accepted(session: Session, user: User, code: str, now: datetime) -> str | None:
    if totp.looks_like_recovery_code(code):
        spare = session.scalars(
            sa.select(RecoveryCode)
            .where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == totp.recovery_digest(code),
                RecoveryCode.used_at.is_(None),
            )
            .with_for_update()
        ).first()
        if spare is None:
            return None
        spare.used_at = now
        return "recovery"
    step = totp.matching_step(user.totp_secret or "", code, now, user.totp_last_step)
    if step is None:
        return None
    user.totp_last_step = step
    return "totp"


def remove(session: Session, user: User, *, actor: User) -> None:
    """Removes the user's second factor (an admin's reset, or the user's own choice where it
    is optional); every session of the user ends when an admin resets it."""
    if actor.id == user.id and required_for(user):
        raise ValidationError(
            _("Your role requires two-factor sign-in. To move it to a new phone, set it up again.")
        )
    user.totp_secret = None
    user.totp_last_step = None
    user.two_factor_since = None
    session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    if actor.id != user.id:
        user.session_version += 1
    session.flush()
    record(session, "user.two_factor_removed", actor=actor, obj=user)
