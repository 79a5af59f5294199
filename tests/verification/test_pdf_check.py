"""Uploading a PDF: the issued file, a re-saved copy, a tampered copy and other files."""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen.canvas import Canvas

from portal.db import utcnow
from portal.letters.lifecycle.service import revoke_letter
from portal.verification.pdf_check import MAX_PDF_BYTES, check_pdf
from portal.verification.service import CheckName, Outcome, Verdict

NOT_ISSUED = "This file is not, byte for byte, a PDF the manufacturer issued."


def _pdf_of(issuing, letter) -> bytes:
    return issuing.store.get(letter.pdf_key)


def _upload(client, data: bytes, name: str = "letter.pdf"):
    return client.post(
        "/verify/pdf",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _resaved(pdf: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _tampered(pdf: bytes) -> bytes:
    # One byte inside the signed range (the page streams are compressed, so any byte will do).
    position = len(pdf) // 3
    return pdf[:position] + bytes([pdf[position] ^ 0x01]) + pdf[position + 1 :]


def test_the_issued_file_is_recognised_byte_for_byte(issue, issuing, client):
    letter = issue()
    page = _upload(client, _pdf_of(issuing, letter)).get_data(as_text=True)
    assert 'data-verdict="valid"' in page
    assert (
        f"byte for byte, the PDF the manufacturer issued as letter <bdi>{letter.number}</bdi>"
        in page
    )
    assert "Its embedded signature is valid" in page
    assert letter.vin in page


def test_the_issued_file_of_a_revoked_letter_says_revoked(issue, issuing, client, session):
    letter = issue()
    revoke_letter(
        session, letter, reason="Wrong country", actor=issuing.issuer, master_key=issuing.master_key
    )
    page = _upload(client, _pdf_of(issuing, letter)).get_data(as_text=True)
    assert 'data-verdict="revoked"' in page and "byte for byte" in page


def test_a_re_saved_copy_is_not_the_issued_letter(issue, issuing, client):
    letter = issue()
    copy = _resaved(_pdf_of(issuing, letter))
    assert copy != _pdf_of(issuing, letter)
    page = _upload(client, copy).get_data(as_text=True)
    assert 'data-verdict="not_genuine"' in page
    assert NOT_ISSUED in page
    assert "Its embedded signature is valid" not in page
    assert letter.vin not in page


def test_a_tampered_copy_is_not_genuine_and_its_signature_is_broken(
    issue, issuing, client, session
):
    letter = issue()
    tampered = _tampered(_pdf_of(issuing, letter))
    result = check_pdf(session, tampered, now=utcnow())
    assert not result.identical
    assert result.verification.verdict is Verdict.NOT_GENUINE
    assert result.signature is not None and not result.signature.ok
    page = _upload(client, tampered).get_data(as_text=True)
    assert NOT_ISSUED in page and 'data-verdict="not_genuine"' in page


def test_a_tampered_copy_lists_its_signature_as_broken(issue, issuing, client, session):
    letter = issue()
    result = check_pdf(session, _tampered(_pdf_of(issuing, letter)), now=utcnow())
    verification = result.verification
    assert verification.reason == "pdf_signature_broken"
    assert verification.outcome_of(CheckName.SIGNATURE) is Outcome.FAILED
    page = _upload(client, _tampered(_pdf_of(issuing, letter))).get_data(as_text=True)
    assert 'data-check="signature" data-outcome="failed"' in page
    assert "Its embedded signature is broken" in page


def _unsigned_pdf() -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.drawString(100, 700, "A scan of a letter")
    canvas.save()
    return out.getvalue()


def test_files_that_cannot_be_checked_are_not_called_forgeries(issue, issuing, client, session):
    letter_pdf = _pdf_of(issuing, issue())
    for data, name, reason in (
        (b"\x89PNG\r\n\x1a\n" + b"0" * 100, "scan.png", "not_pdf"),
        (_unsigned_pdf(), "scan.pdf", "pdf_unsigned"),
        (letter_pdf[: len(letter_pdf) // 2], "half-downloaded.pdf", None),
    ):
        result = check_pdf(session, data, now=utcnow()).verification
        assert result.verdict is Verdict.CANNOT_CHECK, name
        assert reason is None or result.reason == reason
        assert all(check.outcome is Outcome.NOT_CHECKED for check in result.checks)
        page = _upload(client, data, name).get_data(as_text=True)
        assert 'data-verdict="cannot_check"' in page and "data-next-step" in page
        assert 'data-outcome="failed"' not in page


def test_a_file_larger_than_any_letter_is_refused_without_reading_it_all(client):
    page = _upload(client, b"%PDF-1.7\n" + b"0" * (MAX_PDF_BYTES + 10)).get_data(as_text=True)
    assert "larger than any letter" in page


def test_no_file_is_a_form_error(client):
    response = client.post("/verify/pdf", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose the letter&#39;s PDF file." in response.get_data(as_text=True)
