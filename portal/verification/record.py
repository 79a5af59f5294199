"""A verified letter as the verification shows it: the sealed data, the outlets as issued
(with those closed since flagged), and the same as JSON for licensing systems."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import format_date, get_locale

from portal.clock import china_date
from portal.countries import local_country_name
from portal.letters.lifecycle.models import Letter
from portal.letters.lifecycle.snapshot import outlet_snapshot
from portal.outlets.models import OutletVersion
from portal.verification.labels import (
    VERDICT_SENTENCES,
    VERDICT_TITLES,
    check_text,
    next_step_text,
    reason_text,
)
from portal.verification.verdicts import Verification


@dataclass(frozen=True)
class IssuedOutlet:
    """An outlet version a letter lists, and what became of the outlet since."""

    version: OutletVersion
    closed_since: bool  # no longer in service today
    changed_since: bool  # its details were edited after the letter was issued


def outlets_as_issued(letter: Letter, today: date) -> list[IssuedOutlet]:
    """Returns the letter's outlets in its order, each with its state today."""
    shown = []
    for item in letter.outlets:
        current = item.version.outlet.current
        shown.append(
            IssuedOutlet(
                version=item.version,
                closed_since=current is None or not current.is_active_on(today),
                changed_since=current is not None and current.id != item.version.id,
            )
        )
    return shown


def verification_json(verification: Verification) -> dict[str, Any]:
    """Returns the verification as a JSON-ready dict: codes and ISO values for machines,
    messages, names and dates for people in the current language."""
    letter = verification.letter
    checked_at = verification.checked_at or datetime.now(UTC)
    return {
        "verdict": verification.verdict.value,
        "title": str(VERDICT_TITLES[verification.verdict]),
        "summary": str(VERDICT_SENTENCES[verification.verdict]),
        "next_step": next_step_text(verification.verdict, verification.reason),
        "genuine": verification.genuine,
        "reason": (
            {"code": verification.reason, "message": reason_text(verification.reason)}
            if verification.reason
            else None
        ),
        "checks": [
            {
                "name": check.name.value,
                "outcome": check.outcome.value,
                "code": check.code or None,
                "message": check_text(check.name, check.outcome, check.code),
            }
            for check in verification.checks
        ],
        "checked_at": _iso(checked_at),
        "claims_form": None if verification.form is None else verification.form.value,
        "letter": None if letter is None else letter_json(letter, checked_at.date()),
    }


def letter_json(letter: Letter, today: date) -> dict[str, Any]:
    """Returns the letter's record as the register holds it, for a genuine letter only."""
    manufacturer = letter.manufacturer
    locale = str(get_locale())
    return {
        "number": letter.number,
        "status": letter.status.value,
        "manufacturer": {
            "code": manufacturer.short_code,
            "name_zh": manufacturer.name_zh,
            "name_en": manufacturer.name_en,
        },
        "vin": letter.vin,
        "brand": letter.brand,
        "model": letter.model,
        "registration_date": letter.registration_date.isoformat(),
        "transfer_registration_date": letter.transfer_registration_date.isoformat(),
        "country": letter.country,
        "country_name": local_country_name(letter.country, locale),
        "issued_on": format_date(china_date(letter.issued_at), "long"),
        "valid_until_text": format_date(letter.valid_until, "long"),
        "exporter": {"name": letter.exporter_name, "uscc": letter.exporter_uscc or None},
        "issued_at": _iso(letter.issued_at),
        "valid_until": letter.valid_until.isoformat(),
        "revoked_at": None if letter.revoked_at is None else _iso(letter.revoked_at),
        "revocation_reason": letter.revocation_reason or None,
        "superseded_by": letter.superseded_by.number if letter.superseded_by else None,
        "outlets": [
            {
                **outlet_snapshot(shown.version),
                "closed_since": shown.closed_since,
                "changed_since": shown.changed_since,
            }
            for shown in outlets_as_issued(letter, today)
        ],
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
