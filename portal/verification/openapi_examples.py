"""One example answer of the verification API for each verdict, for the OpenAPI document:
what a licensing system receives, with the checks that go with each verdict."""

from __future__ import annotations

from typing import Any

from portal.verification.verdicts import CheckName, Verdict

_CHECKED_AT = "2026-03-02T08:15:00Z"

_LETTER: dict[str, Any] = {
    "number": "HXM-2026-000123",
    "status": "issued",
    "manufacturer": {
        "code": "HXM",
        "name_zh": "华夏汽车股份有限公司",
        "name_en": "Huaxia Motor Co., Ltd.",
    },
    "vin": "LHXCE4CB8N0123456",
    "brand": "Huaxia",
    "model": "HX7",
    "registration_date": "2025-12-20",
    "transfer_registration_date": "2026-02-10",
    "country": "KZ",
    "country_name": "Kazakhstan",
    "issued_on": "March 1, 2026",
    "valid_until_text": "August 28, 2026",
    "exporter": {"name": "Yuanhang Used Car Export Co., Ltd.", "uscc": "91310115MA1K000022"},
    "issued_at": "2026-03-01T02:00:00Z",
    "valid_until": "2026-08-28",
    "revoked_at": None,
    "revocation_reason": None,
    "superseded_by": None,
    "outlets": [
        {
            "code": "KZ-ALA-01",
            "country": "KZ",
            "city": "Almaty",
            "name_local": "Хуася Сервис Алматы",
            "name_latin": "Huaxia Service Almaty",
            "address": "Raiymbek Ave 221",
            "postcode": "050000",
            "phone": "+7 727 000 0000",
            "email": "service@example.kz",
            "services": ["maintenance", "parts"],
            "closed_since": False,
            "changed_since": False,
        }
    ],
}

_PASSED = {
    CheckName.SIGNATURE: "The digital signature matches the sealed data.",
    CheckName.ISSUER_KEY: "Signed with the manufacturer's published key, valid on the issue date.",
    CheckName.REGISTER: "The letter is in the Portal's register, unchanged since issuance.",
    CheckName.STATUS: "Neither revoked nor superseded.",
    CheckName.DATES: "Within its validity period.",
}


def _check(name: CheckName, outcome: str, code: str | None = None, message: str = "") -> dict:
    if outcome == "passed" and not message:
        message = _PASSED[name]
    return {
        "name": name.value,
        "outcome": outcome,
        "code": code,
        "message": message or "not checked",
    }


def _all(outcome: str) -> list[dict]:
    return [_check(name, outcome) for name in CheckName]


def _example(
    verdict: Verdict,
    title: str,
    summary: str,
    next_step: str,
    checks: list[dict],
    *,
    genuine: bool | None,
    reason: tuple[str, str] | None = None,
    letter: dict | None = None,
) -> dict[str, Any]:
    return {
        "verdict": verdict.value,
        "title": title,
        "summary": summary,
        "next_step": next_step,
        "genuine": genuine,
        "reason": None if reason is None else {"code": reason[0], "message": reason[1]},
        "checks": checks,
        "checked_at": _CHECKED_AT,
        "claims_form": None if letter is None else "full",
        "letter": letter,
    }


def _sealed_then(*rest: dict) -> list[dict]:
    return [_check(CheckName.SIGNATURE, "passed"), _check(CheckName.ISSUER_KEY, "passed"), *rest]


def verdict_examples() -> dict[str, dict[str, Any]]:
    """Returns an OpenAPI examples map: one example answer per verdict."""
    revoked = {
        **_LETTER,
        "status": "revoked",
        "revoked_at": "2026-03-05T06:00:00Z",
        "revocation_reason": "Sold domestically",
    }
    superseded = {**_LETTER, "status": "superseded", "superseded_by": "HXM-2026-000130"}
    expired = {**_LETTER, "valid_until": "2026-02-28", "valid_until_text": "February 28, 2026"}
    examples = {
        Verdict.VALID: _example(
            Verdict.VALID,
            "Genuine and valid",
            "The manufacturer named below issued this letter, and it is in force today.",
            "Accept the letter if the data below match the paper letter and the vehicle.",
            _all("passed"),
            genuine=True,
            letter=_LETTER,
        ),
        Verdict.REVOKED: _example(
            Verdict.REVOKED,
            "Revoked",
            "The manufacturer issued this letter but has revoked it. It is not valid.",
            "Do not accept this letter: the exporter must ask the manufacturer for a valid one.",
            _sealed_then(
                _check(CheckName.REGISTER, "passed"),
                _check(CheckName.STATUS, "failed", "revoked", "Revoked by the manufacturer."),
                _check(CheckName.DATES, "passed"),
            ),
            genuine=True,
            reason=("revoked", "Revoked by the manufacturer."),
            letter=revoked,
        ),
        Verdict.EXPIRED: _example(
            Verdict.EXPIRED,
            "Expired",
            "The manufacturer issued this letter, but its validity has ended.",
            "Do not accept this letter: the exporter must ask the manufacturer for a new one.",
            _sealed_then(
                _check(CheckName.REGISTER, "passed"),
                _check(CheckName.STATUS, "passed"),
                _check(CheckName.DATES, "failed", "expired", "The validity period has ended."),
            ),
            genuine=True,
            reason=("expired", "The validity period has ended."),
            letter=expired,
        ),
        Verdict.SUPERSEDED: _example(
            Verdict.SUPERSEDED,
            "Superseded",
            "The manufacturer replaced this letter with a corrected one. Only the new letter "
            "is valid.",
            "Do not accept this letter: ask for the corrected letter and check that one.",
            _sealed_then(
                _check(CheckName.REGISTER, "passed"),
                _check(CheckName.STATUS, "failed", "superseded", "Replaced by a corrected letter."),
                _check(CheckName.DATES, "passed"),
            ),
            genuine=True,
            reason=("superseded", "Replaced by a corrected letter."),
            letter=superseded,
        ),
        Verdict.NOT_GENUINE: _example(
            Verdict.NOT_GENUINE,
            "Not genuine",
            "This is not a letter the manufacturer issued through the Portal. Do not accept it.",
            "Do not accept it. Keep the document and report it to the manufacturer named on it.",
            [
                _check(
                    CheckName.SIGNATURE,
                    "failed",
                    "signature_invalid",
                    "The digital signature does not match the data: the code was altered or "
                    "forged.",
                ),
                _check(CheckName.ISSUER_KEY, "passed"),
                *[_check(n, "not_checked") for n in list(CheckName)[2:]],
            ],
            genuine=False,
            reason=(
                "signature_invalid",
                "The digital signature does not match the data: the code was altered or forged.",
            ),
        ),
        Verdict.CANNOT_CHECK: _example(
            Verdict.CANNOT_CHECK,
            "Cannot check",
            "What was given could not be read, or matches no letter. This says nothing "
            "against the letter itself.",
            "Retype the letter number and verification code exactly as printed on the paper, "
            "or upload the letter's PDF.",
            _all("not_checked"),
            genuine=None,
            reason=(
                "no_match",
                "No letter has this number and verification code. One mistyped character is "
                "enough.",
            ),
        ),
        Verdict.REGISTER_INCONSISTENT: _example(
            Verdict.REGISTER_INCONSISTENT,
            "Cannot confirm",
            "The seal is genuine, but the register's record of this letter's status is "
            "inconsistent, so its validity cannot be confirmed now.",
            "Do not decide on this check: try again later or contact the manufacturer; the "
            "PDF's own signature can still be checked.",
            _sealed_then(
                _check(
                    CheckName.REGISTER,
                    "failed",
                    "inconsistent",
                    "The stored status disagrees with the letter's recorded history.",
                ),
                _check(CheckName.STATUS, "not_checked"),
                _check(CheckName.DATES, "not_checked"),
            ),
            genuine=None,
            reason=(
                "register_inconsistent",
                "The letter's stored status disagrees with its recorded history in the register.",
            ),
        ),
    }
    return {
        verdict.value: {"summary": f"verdict {verdict.value}", "value": value}
        for verdict, value in examples.items()
    }
