"""What the verification says to people, in their language: verdicts, reasons, checks and the
names of the sealed fields. These texts are also translated into Russian, Spanish, French
and Arabic, for officers and buyers abroad."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.verification.verdicts import CheckName, Outcome, Verdict

VERDICT_TITLES = {
    Verdict.VALID: _l("Genuine and valid"),
    Verdict.REVOKED: _l("Revoked"),
    Verdict.EXPIRED: _l("Expired"),
    Verdict.SUPERSEDED: _l("Superseded"),
    Verdict.NOT_GENUINE: _l("Not genuine"),
    Verdict.CANNOT_CHECK: _l("Cannot check"),
    Verdict.REGISTER_INCONSISTENT: _l("Cannot confirm"),
}

VERDICT_SENTENCES = {
    Verdict.VALID: _l("The manufacturer named below issued this letter, and it is in force today."),
    Verdict.REVOKED: _l("The manufacturer issued this letter but has revoked it. It is not valid."),
    Verdict.EXPIRED: _l("The manufacturer issued this letter, but its validity has ended."),
    Verdict.SUPERSEDED: _l(
        "The manufacturer replaced this letter with a corrected one. Only the new letter is valid."
    ),
    Verdict.NOT_GENUINE: _l(
        "This is not a letter the manufacturer issued through the Portal. Do not accept it."
    ),
    Verdict.CANNOT_CHECK: _l(
        "What was given could not be read, or matches no letter. This says nothing against "
        "the letter itself."
    ),
    Verdict.REGISTER_INCONSISTENT: _l(
        "The seal is genuine, but the register's record of this letter's status is "
        "inconsistent, so its validity cannot be confirmed now."
    ),
}

# What the person should do next, in one line: by verdict, and for CANNOT CHECK by reason.
NEXT_STEPS = {
    Verdict.VALID: _l(
        "Accept the letter if the data below match the paper letter and the vehicle."
    ),
    Verdict.REVOKED: _l(
        "Do not accept this letter: the exporter must ask the manufacturer for a valid one."
    ),
    Verdict.EXPIRED: _l(
        "Do not accept this letter: the exporter must ask the manufacturer for a new one."
    ),
    Verdict.SUPERSEDED: _l(
        "Do not accept this letter: ask for the corrected letter and check that one."
    ),
    Verdict.NOT_GENUINE: _l(
        "Do not accept it. Keep the document and report it to the manufacturer named on it."
    ),
    Verdict.REGISTER_INCONSISTENT: _l(
        "Do not decide on this check: try again later or contact the manufacturer; the "
        "PDF's own signature can still be checked."
    ),
}
CANNOT_CHECK_STEPS = {
    "unreadable": _l(
        "Scan the QR code again in better light, or type the letter number and verification "
        "code printed under it."
    ),
    "no_match": _l(
        "Retype the letter number and verification code exactly as printed on the paper, or "
        "upload the letter's PDF."
    ),
    "pdf": _l(
        "Upload the PDF file exactly as the manufacturer issued it, or scan the QR code on "
        "the paper letter."
    ),
}

REASONS = {
    "unreadable": _l(
        "The code cannot be read completely: part of it is missing, damaged or mistyped."
    ),
    "signature_invalid": _l(
        "The digital signature does not match the data: the code was altered or forged."
    ),
    "unknown_key": _l("The code was signed with a key the Portal has never published."),
    "key_revoked": _l(
        "The code was signed with a key reported compromised before this letter's issue date."
    ),
    "before_key_valid": _l("The code claims an issue date before its signing key existed."),
    "manufacturer_mismatch": _l(
        "The code names another manufacturer than the owner of its signing key."
    ),
    "unknown_letter": _l("The Portal's register holds no letter with this number and seal."),
    "register_changed": _l(
        "The register's record of this letter no longer matches its seal. Contact the manufacturer."
    ),
    "no_match": _l(
        "No letter has this number and verification code. One mistyped character is enough."
    ),
    "not_pdf": _l("This file is not a PDF document."),
    "too_large": _l("This file is larger than any letter the Portal issues."),
    "pdf_unreadable": _l("The file is damaged or incomplete and cannot be read."),
    "pdf_unsigned": _l(
        "The file carries no digital signature: it may be a scan or a printout saved as PDF, "
        "which cannot be checked."
    ),
    "pdf_signature_broken": _l(
        "Its embedded signature is broken: the file was changed after signing."
    ),
    "pdf_changed_after_signing": _l(
        "Its embedded signature covers only part of the file: it was changed after signing."
    ),
    "pdf_untrusted_signer": _l("It was signed by a signer the Portal does not trust."),
    "register_inconsistent": _l(
        "The letter's stored status disagrees with its recorded history in the register."
    ),
    "inconsistent": _l("The stored status disagrees with the letter's recorded history."),
    "not_issued_file": _l(
        "This is not the letter the manufacturer issued: the file differs from every issued letter."
    ),
    "revoked": _l("Revoked by the manufacturer."),
    "superseded": _l("Replaced by a corrected letter."),
    "expired": _l("The validity period has ended."),
    "key_revoked_later": _l(
        "The signing key was reported compromised after this letter was issued; letters "
        "issued before that stay genuine."
    ),
    "unknown": _l("Not in the register."),
    "changed": _l("Changed since issuance."),
}

CHECK_NAMES = {
    CheckName.SIGNATURE: _l("Signature"),
    CheckName.ISSUER_KEY: _l("Issuer's key"),
    CheckName.REGISTER: _l("Register"),
    CheckName.STATUS: _l("Status"),
    CheckName.DATES: _l("Dates"),
}

CHECK_PASSED = {
    CheckName.SIGNATURE: _l("The digital signature matches the sealed data."),
    CheckName.ISSUER_KEY: _l(
        "Signed with the manufacturer's published key, valid on the issue date."
    ),
    CheckName.REGISTER: _l("The letter is in the Portal's register, unchanged since issuance."),
    CheckName.STATUS: _l("Neither revoked nor superseded."),
    CheckName.DATES: _l("Within its validity period."),
}

OUTCOMES = {
    Outcome.PASSED: _l("passed"),
    Outcome.FAILED: _l("failed"),
    Outcome.NOT_CHECKED: _l("not checked"),
}

NO_FILE = _l("Choose the letter's PDF file.")

FIELDS = {
    "number": _l("Letter number"),
    "manufacturer": _l("Manufacturer"),
    "vin": _l("VIN"),
    "brand_model": _l("Brand and model"),
    "registration_date": _l("Registration date"),
    "transfer_registration_date": _l("Transfer registration date awaiting export"),
    "country": _l("Destination country"),
    "exporter": _l("Exporter"),
    "issued_at": _l("Issued"),
    "valid_until": _l("Valid until"),
    "outlets": _l("After-sales service outlets"),
    "revoked_at": _l("Revoked on"),
    "revocation_reason": _l("Reason"),
    "superseded_by": _l("Superseded by"),
}


def reason_text(code: str) -> str:
    """Returns the sentence for a reason code, in the current language."""
    return str(REASONS.get(code, REASONS["unreadable"]))


def next_step_text(verdict: Verdict, reason: str) -> str:
    """Returns, in one line and the current language, what to do after this verdict."""
    if verdict is not Verdict.CANNOT_CHECK:
        return str(NEXT_STEPS[verdict])
    if reason in ("unreadable", "no_match"):
        return str(CANNOT_CHECK_STEPS[reason])
    return str(CANNOT_CHECK_STEPS["pdf"])


def check_text(name: CheckName, outcome: Outcome, code: str) -> str:
    """Returns what one check found, in the current language."""
    if outcome is Outcome.PASSED:
        text = str(CHECK_PASSED[name])
        return f"{text} {reason_text(code)}" if code else text
    if outcome is Outcome.FAILED:
        return reason_text(code)
    return str(OUTCOMES[Outcome.NOT_CHECKED])
