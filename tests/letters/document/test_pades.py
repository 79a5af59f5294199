"""PAdES signing of letters, with the seal as the visible signature, and its validation."""

from __future__ import annotations

import importlib.util
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from portal.letters.document.pdf import RenderedLetter
from portal.signing.pades import (
    BYTES_RESERVED,
    SIGNATURE_FIELD,
    sign_pdf,
    validate_pdf_signature,
)
from tests.letters import ca_files
from tests.letters.conftest import sign
from tests.letters.pdfcheck import page_texts, red_share, render_page
from tests.letters.samples import VIN, SealPki, make_pki


def _byte_range(pdf: bytes) -> tuple[int, int, int, int]:
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    assert match, "no /ByteRange in the signed PDF"
    a, b, c, d = (int(x) for x in match.groups())
    return a, b, c, d


def _in_signed_range(pdf: bytes, offset: int) -> bool:
    a, b, c, d = _byte_range(pdf)
    return a <= offset < a + b or c <= offset < c + d


def _flip(pdf: bytes, offset: int) -> bytes:
    assert _in_signed_range(pdf, offset)
    changed = bytearray(pdf)
    changed[offset] ^= 0x01
    return bytes(changed)


def _content_stream_offset(pdf: bytes) -> int:
    """Give back the offset of a byte in the middle of page 1's content stream data."""
    contents = PdfReader(io.BytesIO(pdf)).pages[0].raw_get("/Contents")
    number = contents.idnum
    header = re.search(rb"(?:^|\s)%d 0 obj\b" % number, pdf)
    assert header
    start = pdf.index(b"stream", header.end()) + len(b"stream\n")
    end = pdf.index(b"endstream", start)
    return (start + end) // 2


def _pyhanko_cli() -> list[str]:
    """Give back the command that runs the pyHanko CLI (package pyhanko-cli, a test extra)."""
    script = shutil.which("pyhanko", path=str(Path(sys.executable).parent))
    if script:
        return [script]
    found = importlib.util.find_spec("pyhanko.cli") is not None
    assert found, "the pyHanko CLI is missing: install the test extra, pip install -e '.[test]'"
    return [sys.executable, "-m", "pyhanko"]


def test_signed_letter_validates(signed_pdf: bytes, pki: SealPki) -> None:
    report = validate_pdf_signature(signed_pdf, trust_roots=[pki.ca_cert])
    assert report.signed and report.intact and report.valid and report.trusted
    assert report.covers_whole_file and report.ok
    assert report.signer == "BYD Auto Industry Co., Ltd. Seal"
    assert report.field_name == SIGNATURE_FIELD and report.signature_count == 1
    assert report.signing_time is not None


def test_signature_is_pades_with_reason_and_location(signed_pdf: bytes) -> None:
    fields = PdfReader(io.BytesIO(signed_pdf)).get_fields()
    value = fields[SIGNATURE_FIELD]["/V"]
    assert value["/SubFilter"] == "/ETSI.CAdES.detached"
    assert value["/Reason"] == "售后服务确认 / After-sales service confirmation"
    assert value["/Location"] == "Shenzhen"


def test_pyhanko_cli_accepts_the_signature(signed_pdf: bytes, pki: SealPki, tmp_path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_bytes(pki.ca_cert.public_bytes(Encoding.PEM))
    signed = tmp_path / "letter.pdf"
    signed.write_bytes(signed_pdf)
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(_flip(signed_pdf, _content_stream_offset(signed_pdf)))
    command = [*_pyhanko_cli(), "sign", "validate", "--trust", str(ca), "--trust-replace"]
    command.append("--no-revocation-check")
    good = subprocess.run([*command, str(signed)], capture_output=True, text=True, timeout=120)
    assert good.returncode == 0, good.stdout + good.stderr
    bad = subprocess.run([*command, str(tampered)], capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0


def test_another_trust_root_does_not_trust_the_letter(signed_pdf: bytes) -> None:
    stranger = make_pki()
    report = validate_pdf_signature(signed_pdf, trust_roots=[stranger.ca_cert])
    assert report.intact and report.valid and not report.trusted and not report.ok


def test_changing_a_content_stream_byte_breaks_integrity(signed_pdf: bytes, pki) -> None:
    tampered = _flip(signed_pdf, _content_stream_offset(signed_pdf))
    report = validate_pdf_signature(tampered, trust_roots=[pki.ca_cert])
    assert not report.intact and not report.ok


def test_changing_a_vin_character_breaks_integrity(signed_pdf: bytes, pki) -> None:
    # The VIN is stored uncompressed in the document information (/Subject); the first
    # copy is the one the letter was rendered with, pyHanko's update repeats it.
    offset = signed_pdf.index(VIN.encode()) + 2  # X -> Y
    tampered = _flip(signed_pdf, offset)
    assert tampered.count(VIN.encode()) == signed_pdf.count(VIN.encode()) - 1
    assert b"LGYCE4CB5RA012345" in tampered
    report = validate_pdf_signature(tampered, trust_roots=[pki.ca_cert])
    assert not report.intact and not report.ok


def test_appending_an_update_is_reported(signed_pdf: bytes, pki: SealPki) -> None:
    from pyhanko.pdf_utils.generic import NameObject, TextStringObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed_pdf))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page[NameObject("/PortalNote")] = TextStringObject("changed after signing")
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    report = validate_pdf_signature(out.getvalue(), trust_roots=[pki.ca_cert])
    assert report.intact and report.valid and report.trusted
    assert not report.covers_whole_file and not report.ok


@pytest.mark.parametrize(
    "garbage",
    [b"", b"garbage", b"%PDF-1.7\n%%EOF", b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\n%%EOF"],
)
def test_garbage_gives_a_report_not_an_exception(garbage: bytes, pki: SealPki) -> None:
    report = validate_pdf_signature(garbage, trust_roots=[pki.ca_cert])
    assert not report.signed and not report.ok and report.error


def test_unsigned_letter_is_reported_unsigned(rendered: RenderedLetter, pki: SealPki) -> None:
    report = validate_pdf_signature(rendered.pdf, trust_roots=[pki.ca_cert])
    assert not report.signed and "no signature" in report.error


def test_truncated_signed_letter_gives_a_report(signed_pdf: bytes, pki: SealPki) -> None:
    for cut in (len(signed_pdf) // 3, len(signed_pdf) - 200):
        report = validate_pdf_signature(signed_pdf[:cut], trust_roots=[pki.ca_cert])
        assert not report.ok


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_random_damage_never_raises(signed_pdf: bytes, pki: SealPki, data) -> None:
    offset = data.draw(st.integers(0, len(signed_pdf) - 1))
    value = data.draw(st.integers(0, 255))
    damaged = bytearray(signed_pdf)
    damaged[offset] = value
    report = validate_pdf_signature(bytes(damaged), trust_roots=[pki.ca_cert])
    if damaged != bytearray(signed_pdf) and _in_signed_range(signed_pdf, offset):
        assert not report.ok


def test_widget_sits_exactly_on_the_seal_place(signed_pdf: bytes, rendered: RenderedLetter):
    page = PdfReader(io.BytesIO(signed_pdf)).pages[rendered.seal_rect.page_index]
    widgets = [a.get_object() for a in page["/Annots"]]
    (widget,) = [w for w in widgets if w.get("/FT") == "/Sig" or "/Parent" in w]
    rect = [float(v) for v in widget["/Rect"]]
    assert rect == pytest.approx(list(rendered.seal_rect.box), abs=0.01)


def test_seal_appearance_is_visible_where_the_seal_goes(signed_pdf: bytes, rendered):
    page = render_page(signed_pdf, rendered.seal_rect.page_index)
    assert red_share(page, rendered.seal_rect.box, 150) > 0.05
    before = render_page(rendered.pdf, rendered.seal_rect.page_index)
    assert red_share(before, rendered.seal_rect.box, 150) < 0.001


def test_signed_letter_text_is_still_extractable(signed_pdf: bytes) -> None:
    assert VIN in page_texts(signed_pdf)[0]


def test_letters_of_several_pages_sign_on_the_last(make_letter, pki: SealPki) -> None:
    from portal.letters.document.pdf import render_letter_pdf

    rendered = render_letter_pdf(make_letter(outlets=60))
    assert rendered.seal_rect.page_index == rendered.page_count - 1 > 0
    signed = sign(rendered, pki)
    assert validate_pdf_signature(signed, trust_roots=[pki.ca_cert]).ok
    page = render_page(signed, rendered.seal_rect.page_index)
    assert red_share(page, rendered.seal_rect.box, 150) > 0.05


def test_an_rsa_4096_key_with_a_long_chain_fits_the_reserved_room(rendered) -> None:
    # A commercial CA's chain of big RSA certificates is longer than the fixed room the
    # Portal's own EC certificates need.
    key = ca_files.rsa_key(4096)
    ca = ca_files.commercial_ca(key=key)
    chain = (*(ca.reissued().certificate for _ in range(4)), ca.root)
    assert sum(len(c.public_bytes(Encoding.DER)) for c in chain) > BYTES_RESERVED // 2
    pdf = sign_pdf(
        rendered.pdf,
        key=key,
        certificate=ca.certificate,
        chain=chain,
        field_rect=rendered.seal_rect.box,
        page_index=rendered.seal_rect.page_index,
        appearance_png=rendered.seal_png,
        signer_name="Example",
        reason="RSA",
    )
    report = validate_pdf_signature(pdf, trust_roots=[ca.root])
    assert report.ok, report


@pytest.mark.parametrize("usage", ["digital_signature", "content_commitment"])
def test_either_signing_key_usage_is_trusted(rendered, usage) -> None:
    ca = ca_files.commercial_ca(key=ec.generate_private_key(ec.SECP256R1()))
    ca = ca.reissued(usage={usage: True})
    pdf = sign_pdf(
        rendered.pdf,
        key=ca.key,
        certificate=ca.certificate,
        chain=(ca.root,),
        field_rect=rendered.seal_rect.box,
        page_index=rendered.seal_rect.page_index,
        appearance_png=rendered.seal_png,
        signer_name="Example",
        reason="usage",
    )
    assert validate_pdf_signature(pdf, trust_roots=[ca.root]).ok
