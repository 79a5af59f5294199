"""The verdict on a token from the seal and the key set alone: no database, no network.

This is the part of verification anyone can repeat, run by the verifier relying parties
install (:func:`portal_verify.check_token`): the Portal's web page runs it first and adds
the online statuses (letter revoked, superseded) that the register knows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from portal_verify.verdict import Note, Verdict, check_token, claims_json

from portal.signing.keyset import KeyRecord
from portal.signing.payload import Claims, ClaimsForm

VerdictNote = Note


@dataclass(frozen=True)
class OfflineVerdict:
    """Whether a token is genuine, why not if not, and what it seals."""

    genuine: bool
    reason: VerdictNote | None = None
    claims: Claims | None = None
    kid: bytes | None = None
    key: KeyRecord | None = None
    warnings: tuple[VerdictNote, ...] = ()
    readable: bool = True

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
            "kid": None if self.kid is None else self.kid.hex(),
            "manufacturer": None if self.key is None else self.key.manufacturer,
            "manufacturer_name": None if self.key is None else self.key.manufacturer_name,
            "claims": None if self.claims is None else claims_json(self.claims),
            "warnings": [dataclasses.asdict(w) for w in self.warnings],
        }


def offline_verdict(
    token_text: str, keyset: Mapping[bytes, KeyRecord], *, now: datetime | None = None
) -> OfflineVerdict:
    """Return the verdict on a token (or verification URL) against a key set."""
    result = check_token(token_text, keyset, now=now or datetime.now(UTC))
    warnings = result.warnings
    if result.verdict is Verdict.EXPIRED and result.reason is not None:
        warnings = (result.reason, *warnings)
    return OfflineVerdict(
        genuine=result.genuine,
        reason=None if result.genuine else result.reason,
        claims=result.claims,
        kid=result.kid,
        key=result.key,
        warnings=warnings,
        readable=result.verdict is not Verdict.CANNOT_READ,
    )
