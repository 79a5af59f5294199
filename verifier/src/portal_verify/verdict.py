"""The verdict on a token from the token, the key set and the revocation list alone.

The steps, in order (docs/token.md gives them for implementers in other languages):

1. read the token (base32, or a URL ending in ``/V/<token>``) and the COSE_Sign1 envelope;
   anything unreadable is CANNOT_READ;
2. find the key named by the kid among the key set's letter keys: none is NOT_GENUINE;
3. verify the Ed25519 signature over the Sig_structure: failing is NOT_GENUINE;
4. decode the claims (either version); the key's window and owner must fit the claims: a
   letter issued at or after the key's compromise, before the key existed, or naming another
   manufacturer is NOT_GENUINE;
5. the revocation list, when given: a listed token is REVOKED or SUPERSEDED;
6. a letter past its last valid day (in China's calendar) is EXPIRED; otherwise VALID.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from portal_verify.claims import CHINA, Claims, ClaimsForm, decode_claims
from portal_verify.cose import parse_sign1
from portal_verify.errors import SignatureInvalid, TokenError
from portal_verify.keyset import PURPOSE_LETTERS, KeyRecord
from portal_verify.revocations import RevocationList
from portal_verify.token import MAX_SEAL_BYTES, decode_token

# A letter stamped a little ahead of the verifier's clock is clock skew, not a forgery.
FUTURE_TOLERANCE = timedelta(minutes=10)


class Verdict(StrEnum):
    """The one answer, from the best to the worst."""

    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    NOT_GENUINE = "not_genuine"
    CANNOT_READ = "cannot_read"


@dataclass(frozen=True)
class Note:
    """A reason or warning: a short machine code and a sentence for people."""

    code: str
    message: str


@dataclass(frozen=True)
class TokenCheck:
    """The verdict on a token, why, and what the token seals when it could be read."""

    verdict: Verdict
    reason: Note | None = None
    claims: Claims | None = None
    kid: bytes | None = None
    key: KeyRecord | None = None
    cose: bytes | None = None
    warnings: tuple[Note, ...] = ()

    @property
    def genuine(self) -> bool:
        """Return whether the Portal issued this token (whatever its standing now)."""
        return self.verdict not in (Verdict.NOT_GENUINE, Verdict.CANNOT_READ)

    @property
    def form(self) -> ClaimsForm | None:
        """Return the form of the sealed claims, if they were read."""
        return None if self.claims is None else self.claims.form


def check_token(
    token: str | bytes,
    keys: Mapping[bytes, KeyRecord],
    *,
    revocations: RevocationList | None = None,
    now: datetime | None = None,
) -> TokenCheck:
    """Return the verdict on a token (text, URL, or the COSE bytes themselves)."""
    try:
        cose = decode_token(token) if isinstance(token, str) else token
        signed = parse_sign1(cose, max_bytes=MAX_SEAL_BYTES)
    except TokenError as exc:
        return TokenCheck(
            Verdict.CANNOT_READ, Note(exc.code, f"the code is malformed: {exc.message}")
        )
    key = keys.get(signed.kid)
    if key is None or key.purpose != PURPOSE_LETTERS:
        reason = Note("unknown_key", f"no published letter key has the id {signed.kid.hex()}")
        return TokenCheck(Verdict.NOT_GENUINE, reason, kid=signed.kid, cose=cose)
    try:
        signed.verify(key.ed25519)
    except SignatureInvalid:
        reason = Note("signature_invalid", "the signature does not match the data")
        return TokenCheck(Verdict.NOT_GENUINE, reason, kid=signed.kid, key=key, cose=cose)
    try:
        claims = decode_claims(signed.payload)
    except TokenError as exc:
        reason = Note(exc.code, f"the signed data is not a letter: {exc.message}")
        return TokenCheck(Verdict.NOT_GENUINE, reason, kid=signed.kid, key=key, cose=cose)
    found = TokenCheck(Verdict.VALID, None, claims, signed.kid, key, cose)
    problem = _key_problem(claims, key)
    if problem is not None:
        return _with(found, Verdict.NOT_GENUINE, problem)
    now = now or datetime.now(UTC)
    warnings = _warnings(claims, key, now)
    if revocations is not None:
        listed = revocations.standing_of(cose)
        if listed is not None:
            standing, since = listed
            note = Note(standing, f"the letter was {standing} at {iso(since)}")
            return _with(found, Verdict(standing), note, warnings)
    if claims.valid_until < now.astimezone(CHINA).date():
        note = Note("expired", f"the letter was valid until {claims.valid_until}")
        return _with(found, Verdict.EXPIRED, note, warnings)
    return _with(found, Verdict.VALID, None, warnings)


def iso(moment: datetime) -> str:
    """Return a time as RFC 3339 UTC text."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def claims_json(claims: Claims) -> dict[str, Any]:
    """Return the claims' fields as JSON values: times RFC 3339, dates ISO, bytes hex."""
    fields: dict[str, Any] = {}
    for name, value in dataclasses.asdict(claims).items():  # type: ignore[call-overload]
        if isinstance(value, datetime):
            fields[name] = iso(value)
        elif isinstance(value, date):
            fields[name] = value.isoformat()
        elif isinstance(value, bytes):
            fields[name] = value.hex()
        else:
            fields[name] = value
    return fields


def _with(
    found: TokenCheck, verdict: Verdict, reason: Note | None, warnings: tuple[Note, ...] = ()
) -> TokenCheck:
    return TokenCheck(verdict, reason, found.claims, found.kid, found.key, found.cose, warnings)


def _key_problem(claims: Claims, key: KeyRecord) -> Note | None:
    if key.compromised_at is not None and claims.issued_at >= key.compromised_at:
        return Note(
            "key_revoked",
            f"the key was reported compromised at {iso(key.compromised_at)}, "
            "before this letter's issue time",
        )
    if not key.signed_in_window(claims.issued_at):
        return Note("before_key_valid", "the letter claims an issue time before its key")
    if claims.manufacturer and claims.manufacturer != key.manufacturer:
        return Note(
            "manufacturer_mismatch",
            f"the letter names {claims.manufacturer} but the key is {key.manufacturer}'s",
        )
    return None


def _warnings(claims: Claims, key: KeyRecord, now: datetime) -> tuple[Note, ...]:
    notes = []
    if claims.issued_at > now + FUTURE_TOLERANCE:
        notes.append(Note("issued_in_future", "the issue time is ahead of this clock"))
    if key.compromised_at is not None:
        notes.append(
            Note(
                "key_revoked_later",
                f"the key was reported compromised at {iso(key.compromised_at)}, "
                "after this letter was issued",
            )
        )
    if claims.form is ClaimsForm.COMPACT:
        notes.append(
            Note(
                "compact",
                "compact code: brand, model, registration date and exporter are not in it; "
                "compare them with the Portal's online record",
            )
        )
    return tuple(notes)
