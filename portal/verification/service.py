"""Verification: token -> signature -> issuer key -> register -> status -> verdict.

The order matters. Nothing the token says is used before its signature has checked out
against a key of the register; only then is the letter looked up, and only a letter whose
stored token is exactly the presented one, and whose record still has the digests taken at
issuance, is reported on. Its status is read from the database on every call, so a
revocation shows from the very next verification.
"""

from __future__ import annotations

import hmac
from dataclasses import replace
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from portal.clock import china_date
from portal.letters.lifecycle.models import Letter, LetterOutlet, LetterStatus
from portal.letters.lifecycle.service import Standing, standing_on
from portal.letters.lifecycle.snapshot import stored_letter_digests
from portal.outlets.models import Outlet, OutletVersion
from portal.signing import (
    OfflineVerdict,
    TokenError,
    decode_token,
    encode_token,
    normalise_short_code,
    offline_verdict,
    peek_kid,
)
from portal.verification import consistency
from portal.verification.keys import RegisterKeys
from portal.verification.verdicts import (
    Check,
    CheckName,
    Outcome,
    Verdict,
    Verification,
    cannot_check,
    failed,
    not_genuine,
    passed,
)

__all__ = [
    "Check",
    "CheckName",
    "Outcome",
    "Verdict",
    "Verification",
    "letter_by_number_and_code",
    "verify_number_and_code",
    "verify_token_text",
]

MAX_NUMBER_CHARS = 32
# Reasons the offline check gives when the signature itself was fine but the key was not.
_KEY_REASONS = frozenset({"key_revoked", "before_key_valid", "manufacturer_mismatch"})


def verify_token_text(session: Session, text: str, *, now: datetime) -> Verification:
    """Returns the verification of a token or of a verification URL."""
    keys = RegisterKeys(session)
    offline = offline_verdict(text, keys, now=now)
    if not offline.genuine:
        refused = _seal_refused(offline, now)
        if refused.verdict is Verdict.CANNOT_CHECK:
            return refused
        return replace(refused, named_manufacturer_id=_named_owner(text, keys))
    sealed = (passed(CheckName.SIGNATURE), _key_check(offline))
    claims = offline.claims
    assert claims is not None
    letter = session.scalar(_letter_with_record().where(Letter.number == claims.number))
    presented = encode_token(decode_token(text))
    if letter is None or not hmac.compare_digest(letter.token, presented):
        # A genuine signature on a letter the register never issued: the key was misused.
        refused = not_genuine("unknown_letter", now, *sealed, failed(CheckName.REGISTER, "unknown"))
        return replace(refused, named_manufacturer_id=_named_owner(text, keys))
    record, outlets = stored_letter_digests(letter)
    if record.hex() != letter.record_digest or outlets.hex() != letter.outlets_digest:
        refused = not_genuine(
            "register_changed", now, *sealed, failed(CheckName.REGISTER, "changed")
        )
        return replace(refused, named_manufacturer_id=letter.manufacturer_id)
    if not consistency.letter_status_consistent(session, letter):
        return _inconsistent(offline, sealed, now)
    return _standing_verdict(letter, offline, sealed, now)


def verify_number_and_code(
    session: Session, number: str, code: str, *, now: datetime
) -> Verification:
    """Returns the verification of the letter with this number and short code. An unknown
    number and a wrong code get the same answer, so neither can be probed alone; and that
    answer is CANNOT CHECK, since one mistyped character is enough to match nothing."""
    letter = letter_by_number_and_code(session, number, code)
    if letter is None:
        return cannot_check("no_match", now)
    return verify_token_text(session, letter.token, now=now)


def letter_by_number_and_code(session: Session, number: str, code: str) -> Letter | None:
    """Returns the letter with this number whose short code this is (typed loosely: any
    case, with or without the dash, O for 0 and I or L for 1), else None."""
    try:
        code = normalise_short_code(code)
    except TokenError:
        return None
    number = (number or "").strip().upper()[:MAX_NUMBER_CHARS]
    letter = session.scalar(sa.select(Letter).where(Letter.number == number)) if number else None
    if letter is None or not hmac.compare_digest(letter.short_code, code):
        return None
    return letter


def _letter_with_record() -> sa.Select:
    # Everything the digests and the page read, in three statements instead of one per outlet.
    return sa.select(Letter).options(
        joinedload(Letter.manufacturer),
        joinedload(Letter.superseded_by),
        selectinload(Letter.outlets)
        .joinedload(LetterOutlet.version)
        .joinedload(OutletVersion.outlet)
        .joinedload(Outlet.current),
    )


def _standing_verdict(
    letter: Letter, offline: OfflineVerdict, sealed: tuple[Check, Check], now: datetime
) -> Verification:
    standing = standing_on(letter, china_date(now))
    if letter.status is LetterStatus.ISSUED:
        status = passed(CheckName.STATUS)
    else:
        status = failed(CheckName.STATUS, letter.status.value)
    if letter.is_expired_on(china_date(now)):
        dates = failed(CheckName.DATES, "expired")
    else:
        dates = passed(CheckName.DATES)
    verdict = {
        Standing.VALID: Verdict.VALID,
        Standing.REVOKED: Verdict.REVOKED,
        Standing.SUPERSEDED: Verdict.SUPERSEDED,
        Standing.EXPIRED: Verdict.EXPIRED,
    }[standing]
    checks = (*sealed, passed(CheckName.REGISTER), status, dates)
    return Verification(
        verdict,
        checks,
        reason="" if verdict is Verdict.VALID else standing.value,
        letter=letter,
        form=offline.form,
        checked_at=now,
    )


def _inconsistent(
    offline: OfflineVerdict, sealed: tuple[Check, Check], now: datetime
) -> Verification:
    # The seal and the sealed record are right; the status is what cannot be believed. No
    # letter is shown: its status and dates would read as an answer.
    checks = (
        *sealed,
        failed(CheckName.REGISTER, "inconsistent"),
        Check(CheckName.STATUS, Outcome.NOT_CHECKED),
        Check(CheckName.DATES, Outcome.NOT_CHECKED),
    )
    return Verification(
        Verdict.REGISTER_INCONSISTENT,
        checks,
        reason="register_inconsistent",
        form=offline.form,
        checked_at=now,
    )


def _named_owner(text: str, keys: RegisterKeys) -> int | None:
    try:
        return keys.owner_of(peek_kid(decode_token(text)))
    except TokenError:
        return None


def _key_check(offline: OfflineVerdict) -> Check:
    revoked_later = any(note.code == "key_revoked_later" for note in offline.warnings)
    return passed(CheckName.ISSUER_KEY, "key_revoked_later" if revoked_later else "")


def _seal_refused(offline: OfflineVerdict, now: datetime) -> Verification:
    code = offline.reason.code if offline.reason else "unreadable"
    if code == "unknown_key":
        checks = (
            Check(CheckName.SIGNATURE, Outcome.NOT_CHECKED),
            failed(CheckName.ISSUER_KEY, code),
        )
    elif code == "signature_invalid":
        checks = (failed(CheckName.SIGNATURE, code), passed(CheckName.ISSUER_KEY))
    elif code in _KEY_REASONS:
        checks = (passed(CheckName.SIGNATURE), failed(CheckName.ISSUER_KEY, code))
    else:
        # The token could not be read (truncated, damaged, wrong characters): nothing was
        # found wrong with any letter, so nothing is refused.
        return cannot_check("unreadable", now)
    return not_genuine(code, now, *checks)
