"""Checking an uploaded PDF: the issued file byte for byte (then its letter's verdict), or
else what its embedded signature says, each outcome with checks that agree with it.

A file that cannot be read, or carries no signature at all (a scan, a printout saved as PDF),
cannot be checked; a file whose signature is broken, covers only part of it, or was made by
a signer the Portal does not trust, is not genuine.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.letters.keys.authority import trust_roots
from portal.letters.lifecycle.models import Letter
from portal.signing.pades import PdfSignatureReport, validate_pdf_signature
from portal.verification.service import verify_token_text
from portal.verification.verdicts import (
    CheckName,
    Verification,
    cannot_check,
    failed,
    not_genuine,
    passed,
)

MAX_PDF_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class PdfCheck:
    """What an uploaded file is: the issued letter byte for byte, or not; and its signature."""

    identical: bool
    verification: Verification
    signature: PdfSignatureReport | None
    number: str = ""  # the issued letter's number, when the file is one byte for byte


def check_pdf(session: Session, data: bytes, *, now: datetime) -> PdfCheck:
    """Returns whether ``data`` is an issued letter's PDF, that letter's verdict, and what
    its embedded signature says."""
    if len(data) > MAX_PDF_BYTES:
        return PdfCheck(False, cannot_check("too_large", now), None)
    if b"%PDF-" not in data[:1024]:
        return PdfCheck(False, cannot_check("not_pdf", now), None)
    digest = hashlib.sha256(data).hexdigest()
    letter = session.scalar(sa.select(Letter).where(Letter.pdf_sha256 == digest))
    signature = validate_pdf_signature(data, trust_roots=trust_roots(session))
    if letter is None:
        return PdfCheck(False, _judged_by_signature(signature, now), signature)
    verification = verify_token_text(session, letter.token, now=now)
    return PdfCheck(True, verification, signature, number=letter.number)


def _judged_by_signature(signature: PdfSignatureReport, now: datetime) -> Verification:
    """Returns the verdict on a file that is not one the register issued."""
    if not signature.readable:
        return cannot_check("pdf_unreadable", now)
    if not signature.signed:
        return cannot_check("pdf_unsigned", now)
    if not (signature.intact and signature.valid):
        code = "pdf_signature_broken"
        return not_genuine(code, now, failed(CheckName.SIGNATURE, code))
    if not signature.trusted:
        code = "pdf_untrusted_signer"
        return not_genuine(
            code, now, passed(CheckName.SIGNATURE), failed(CheckName.ISSUER_KEY, code)
        )
    if not signature.covers_whole_file:
        code = "pdf_changed_after_signing"
        return not_genuine(code, now, failed(CheckName.SIGNATURE, code))
    # Signed by the Portal, unchanged, yet not a file the register issued.
    return not_genuine(
        "not_issued_file",
        now,
        passed(CheckName.SIGNATURE),
        passed(CheckName.ISSUER_KEY),
        failed(CheckName.REGISTER, "not_issued_file"),
    )
