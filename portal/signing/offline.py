"""The verdict on a token from the seal and the key set alone: no database, no network.

This is the part of verification anyone can repeat: the Portal's web page runs it first and
adds the online statuses (letter revoked, superseded) that only the register knows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from portal.clock import china_date
from portal.signing.errors import SignatureInvalid, TokenError, UnknownKey
from portal.signing.keys import kid_text
from portal.signing.keyset import KeyRecord
from portal.signing.payload import Claims, ClaimsForm, LetterClaims
from portal.signing.seal import verify_token
from portal.signing.token import decode_token

# A letter stamped a little ahead of the verifier's clock is clock skew, not a forgery.
_FUTURE_TOLERANCE = timedelta(minutes=10)


@dataclass(frozen=True)
class VerdictNote:
    """A reason or warning: a short machine code and a sentence for people."""

    code: str
    message: str


@dataclass(frozen=True)
class OfflineVerdict:
    """Whether a token is genuine, why not if not, and what it seals."""

    genuine: bool
    reason: VerdictNote | None = None
    claims: Claims | None = None
    kid: bytes | None = None
    key: KeyRecord | None = None
    warnings: tuple[VerdictNote, ...] = ()

    @property
    def form(self) -> ClaimsForm | None:
        """Return the form of the sealed claims, if they were read."""
        return None if self.claims is None else self.claims.form

    def to_dict(self) -> dict[str, Any]:
        """Return the verdict as a JSON-ready dict."""
        return {
            "genuine": self.genuine,
            "reason": None if self.reason is None else dataclasses.asdict(self.reason),
            "form": None if self.form is None else self.form.value,
            "kid": None if self.kid is None else kid_text(self.kid),
            "manufacturer": None if self.key is None else self.key.manufacturer,
            "manufacturer_name": None if self.key is None else self.key.manufacturer_name,
            "claims": None if self.claims is None else _json_fields(self.claims),
            "warnings": [dataclasses.asdict(w) for w in self.warnings],
        }


def offline_verdict(
    token_text: str, keyset: Mapping[bytes, KeyRecord], *, now: datetime | None = None
) -> OfflineVerdict:
    """Return the verdict on a token (or verification URL) against a key set."""
    now = now or datetime.now(UTC)

    def resolve(kid: bytes) -> Ed25519PublicKey | None:
        record = keyset.get(kid)
        return None if record is None else record.ed25519()

    try:
        verified = verify_token(decode_token(token_text), resolve)
    except TokenError as exc:
        return _not_genuine(exc.code, f"the code is malformed: {exc.message}")
    except UnknownKey as exc:
        return _not_genuine("unknown_key", f"no published key has the id {exc.kid.hex()}")
    except SignatureInvalid:
        return _not_genuine("signature_invalid", "the signature does not match the data")
    key = keyset[verified.kid]
    found = OfflineVerdict(genuine=True, claims=verified.claims, kid=verified.kid, key=key)
    reason = _key_problem(verified.claims, key)
    if reason is not None:
        return dataclasses.replace(found, genuine=False, reason=reason)
    return dataclasses.replace(found, warnings=_warnings(verified.claims, key, now))


def _not_genuine(code: str, message: str) -> OfflineVerdict:
    return OfflineVerdict(genuine=False, reason=VerdictNote(code, message))


def _key_problem(claims: Claims, key: KeyRecord) -> VerdictNote | None:
    if key.revoked_at is not None and claims.issued_at >= key.revoked_at:
        return VerdictNote(
            "key_revoked",
            f"the key was revoked at {_iso(key.revoked_at)}, before this letter's issue time",
        )
    if not key.sealed_in_window(claims.issued_at):
        return VerdictNote("before_key_valid", "the letter claims an issue time before its key")
    if isinstance(claims, LetterClaims) and claims.manufacturer != key.manufacturer:
        return VerdictNote(
            "manufacturer_mismatch",
            f"the letter names {claims.manufacturer} but the key is {key.manufacturer}'s",
        )
    return None


def _warnings(claims: Claims, key: KeyRecord, now: datetime) -> tuple[VerdictNote, ...]:
    notes = []
    if claims.valid_until < china_date(now):
        notes.append(VerdictNote("expired", f"valid_until ({claims.valid_until}) has passed"))
    if claims.issued_at > now + _FUTURE_TOLERANCE:
        notes.append(VerdictNote("issued_in_future", "the issue time is ahead of this clock"))
    if key.revoked_at is not None:
        notes.append(
            VerdictNote(
                "key_revoked_later",
                f"the key was revoked at {_iso(key.revoked_at)}, after this letter was issued",
            )
        )
    if claims.form is ClaimsForm.COMPACT:
        notes.append(
            VerdictNote(
                "compact",
                "compact code: brand, model, registration date and exporter are not in it; "
                "compare them with the Portal's online record",
            )
        )
    return tuple(notes)


def _json_fields(claims: Claims) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, value in dataclasses.asdict(claims).items():
        if isinstance(value, datetime):
            fields[name] = _iso(value)
        elif isinstance(value, date):
            fields[name] = value.isoformat()
        elif isinstance(value, bytes):
            fields[name] = value.hex()
        else:
            fields[name] = value
    return fields


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
