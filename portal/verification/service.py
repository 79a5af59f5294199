"""Verification: token -> signature -> issuer key -> register -> status -> verdict.

The order matters. Nothing the token says is used before its signature has checked out
against a key of the register; only then is the letter looked up, and only a letter whose
stored token is exactly the presented one, and whose record still has the digests taken at
issuance, is reported on. Its status is read from the database on every call, so a
revocation shows from the very next verification.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from dataclasses import dataclass, replace
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from portal.clock import china_date
from portal.letters.keys.authority import trust_roots
from portal.letters.lifecycle.models import Letter, LetterOutlet, LetterStatus
from portal.letters.lifecycle.service import Standing, standing_on
from portal.letters.lifecycle.snapshot import stored_letter_digests
from portal.outlets.models import Outlet, OutletVersion
from portal.signing import (
    ClaimsForm,
    OfflineVerdict,
    TokenError,
    decode_token,
    encode_token,
    normalise_short_code,
    offline_verdict,
    peek_kid,
)
from portal.signing.pades import PdfSignatureReport, validate_pdf_signature
from portal.verification.keys import RegisterKeys

MAX_PDF_BYTES = 10 * 1024 * 1024
MAX_NUMBER_CHARS = 32
# Reasons the offline check gives when the signature itself was fine but the key was not.
_KEY_REASONS = frozenset({"key_revoked", "before_key_valid", "manufacturer_mismatch"})


class Verdict(enum.StrEnum):
    """The one answer a person acts on."""

    VALID = "valid"
    REVOKED = "revoked"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"
    NOT_GENUINE = "not_genuine"


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
    code: str = ""  # why it failed, or a note on a pass ("key_revoked_later")


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
    def genuine(self) -> bool:
        return self.verdict is not Verdict.NOT_GENUINE

    def outcome_of(self, name: CheckName) -> Outcome:
        return next(c.outcome for c in self.checks if c.name is name)


@dataclass(frozen=True)
class PdfCheck:
    """What an uploaded file is: the issued letter byte for byte, or not; and its signature."""

    identical: bool
    verification: Verification
    signature: PdfSignatureReport | None


def verify_token_text(session: Session, text: str, *, now: datetime) -> Verification:
    """Returns the verification of a token or of a verification URL."""
    keys = RegisterKeys(session)
    offline = offline_verdict(text, keys, now=now)
    if not offline.genuine:
        return replace(_seal_refused(offline, now), named_manufacturer_id=_named_owner(text, keys))
    sealed = (Check(CheckName.SIGNATURE, Outcome.PASSED), _key_check(offline))
    claims = offline.claims
    assert claims is not None  # type narrowing; a genuine seal has claims  # nosec B101
    letter = session.scalar(_letter_with_record().where(Letter.number == claims.number))
    presented = encode_token(decode_token(text))
    if letter is None or not hmac.compare_digest(letter.token, presented):
        # A genuine signature on a letter the register never issued: the key was misused.
        refused = _not_genuine(
            "unknown_letter", now, *sealed, _failed(CheckName.REGISTER, "unknown")
        )
        return replace(refused, named_manufacturer_id=_named_owner(text, keys))
    record, outlets = stored_letter_digests(letter)
    if record.hex() != letter.record_digest or outlets.hex() != letter.outlets_digest:
        refused = _not_genuine(
            "register_changed", now, *sealed, _failed(CheckName.REGISTER, "changed")
        )
        return replace(refused, named_manufacturer_id=letter.manufacturer_id)
    return _standing_verdict(letter, offline, sealed, now)


def verify_number_and_code(
    session: Session, number: str, code: str, *, now: datetime
) -> Verification:
    """Returns the verification of the letter with this number and short code. An unknown
    number and a wrong code get the same answer, so neither can be probed alone."""
    letter = letter_by_number_and_code(session, number, code)
    if letter is None:
        return _not_genuine("no_match", now, *_untouched())
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


def check_pdf(session: Session, data: bytes, *, now: datetime) -> PdfCheck:
    """Returns whether ``data`` is an issued letter's PDF, that letter's verdict, and what
    its embedded signature says."""
    if len(data) > MAX_PDF_BYTES:
        return PdfCheck(False, _not_genuine("too_large", now, *_untouched()), None)
    if b"%PDF-" not in data[:1024]:
        return PdfCheck(False, _not_genuine("not_pdf", now, *_untouched()), None)
    digest = hashlib.sha256(data).hexdigest()
    letter = session.scalar(sa.select(Letter).where(Letter.pdf_sha256 == digest))
    signature = validate_pdf_signature(data, trust_roots=trust_roots(session))
    if letter is None:
        return PdfCheck(False, _not_genuine("not_issued_file", now, *_untouched()), signature)
    return PdfCheck(True, verify_token_text(session, letter.token, now=now), signature)


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
        status = Check(CheckName.STATUS, Outcome.PASSED)
    else:
        status = _failed(CheckName.STATUS, letter.status.value)
    if letter.is_expired_on(china_date(now)):
        dates = _failed(CheckName.DATES, "expired")
    else:
        dates = Check(CheckName.DATES, Outcome.PASSED)
    verdict = {
        Standing.VALID: Verdict.VALID,
        Standing.REVOKED: Verdict.REVOKED,
        Standing.SUPERSEDED: Verdict.SUPERSEDED,
        Standing.EXPIRED: Verdict.EXPIRED,
    }[standing]
    checks = (*sealed, Check(CheckName.REGISTER, Outcome.PASSED), status, dates)
    return Verification(
        verdict,
        checks,
        reason="" if verdict is Verdict.VALID else standing.value,
        letter=letter,
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
    return Check(CheckName.ISSUER_KEY, Outcome.PASSED, "key_revoked_later" if revoked_later else "")


def _seal_refused(offline: OfflineVerdict, now: datetime) -> Verification:
    code = offline.reason.code if offline.reason else "malformed"
    if code == "unknown_key":
        checks = (
            Check(CheckName.SIGNATURE, Outcome.NOT_CHECKED),
            _failed(CheckName.ISSUER_KEY, code),
        )
    elif code == "signature_invalid":
        checks = (
            _failed(CheckName.SIGNATURE, code),
            Check(CheckName.ISSUER_KEY, Outcome.PASSED),
        )
    elif code in _KEY_REASONS:
        checks = (Check(CheckName.SIGNATURE, Outcome.PASSED), _failed(CheckName.ISSUER_KEY, code))
    else:  # the token could not even be read
        code = "malformed"
        checks = (
            _failed(CheckName.SIGNATURE, code),
            Check(CheckName.ISSUER_KEY, Outcome.NOT_CHECKED),
        )
    return _not_genuine(code, now, *checks)


def _untouched() -> tuple[Check, ...]:
    return (
        Check(CheckName.SIGNATURE, Outcome.NOT_CHECKED),
        Check(CheckName.ISSUER_KEY, Outcome.NOT_CHECKED),
    )


def _failed(name: CheckName, code: str) -> Check:
    return Check(name, Outcome.FAILED, code)


def _not_genuine(reason: str, now: datetime, *checks: Check) -> Verification:
    done = {check.name for check in checks}
    rest = tuple(Check(name, Outcome.NOT_CHECKED) for name in CheckName if name not in done)
    return Verification(Verdict.NOT_GENUINE, (*checks, *rest), reason=reason, checked_at=now)
