"""Certificate scans: the type comes from the content, the file must open, 10 MB at most;
a refused file leaves nothing stored, neither a request nor a file."""

from __future__ import annotations

import pytest

from portal.requests.attachments import (
    JPEG,
    MAX_ATTACHMENT_BYTES,
    PDF,
    PNG,
    AttachmentError,
    AttachmentErrorCode,
    check_attachment,
    clean_filename,
    sniff_content_type,
)
from tests.requests.conftest import (
    image_bytes,
    pdf_bytes,
    request_count,
    stored_scans,
    upload,
)

# The first bytes of a Windows executable, as any .exe starts.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("certificate.pdf", pdf_bytes(), PDF),
        ("certificate.PDF", pdf_bytes(), PDF),
        ("scan.png", image_bytes("PNG"), PNG),
        ("scan.jpg", image_bytes("JPEG"), JPEG),
        ("scan.jpeg", image_bytes("JPEG"), JPEG),
        ("行驶证 扫描.jpeg", image_bytes("JPEG"), JPEG),
    ],
)
def test_real_files_are_accepted(name: str, data: bytes, content_type: str) -> None:
    checked = check_attachment(name, data)
    assert checked.content_type == content_type
    assert checked.size == len(data)
    assert len(checked.sha256) == 64
    assert checked.filename == name


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("setup.pdf", EXE, AttachmentErrorCode.UNKNOWN_CONTENT),
        ("scan.pdf", image_bytes("PNG"), AttachmentErrorCode.MISMATCH),
        ("scan.png", image_bytes("JPEG"), AttachmentErrorCode.MISMATCH),
        ("scan.jpg", pdf_bytes(), AttachmentErrorCode.MISMATCH),
        ("setup.exe", EXE, AttachmentErrorCode.EXTENSION),
        ("scan.gif", b"GIF89a" + b"\x00" * 20, AttachmentErrorCode.EXTENSION),
        ("noextension", pdf_bytes(), AttachmentErrorCode.EXTENSION),
        ("empty.pdf", b"", AttachmentErrorCode.EMPTY),
        ("cut.pdf", pdf_bytes()[:200], AttachmentErrorCode.DAMAGED),
        ("cut.png", image_bytes("PNG")[:60], AttachmentErrorCode.DAMAGED),
        ("cut.jpg", image_bytes("JPEG")[:300], AttachmentErrorCode.DAMAGED),
        ("fake.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, AttachmentErrorCode.DAMAGED),
    ],
)
def test_bad_files_are_refused(name: str, data: bytes, code: AttachmentErrorCode) -> None:
    with pytest.raises(AttachmentError) as refused:
        check_attachment(name, data)
    assert refused.value.code is code


def test_eleven_megabytes_is_too_large() -> None:
    # A real PDF padded with a comment: valid in form, too big in size.
    data = pdf_bytes()
    big = data[:9] + b"%" + b"x" * (11 * 1024 * 1024) + b"\n" + data[9:]
    with pytest.raises(AttachmentError) as refused:
        check_attachment("big.pdf", big)
    assert refused.value.code is AttachmentErrorCode.TOO_LARGE


def test_exactly_the_limit_is_accepted() -> None:
    data = pdf_bytes()
    padding = MAX_ATTACHMENT_BYTES - len(data) - 2
    exact = data[:9] + b"%" + b"x" * padding + b"\n" + data[9:]
    assert len(exact) == MAX_ATTACHMENT_BYTES
    assert check_attachment("exact.pdf", exact).size == MAX_ATTACHMENT_BYTES


def test_sniffing_reads_magic_bytes_only() -> None:
    assert sniff_content_type(b"%PDF-1.7\n") == PDF
    assert sniff_content_type(b"\xff\xd8\xff\xe0") == JPEG
    assert sniff_content_type(b"\x89PNG\r\n\x1a\n") == PNG
    assert sniff_content_type(EXE) is None


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("C:\\Users\\wang\\scan.pdf", "scan.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ('a"b<c>.pdf', "a_b_c_.pdf"),
        ("", "scan"),
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
    ],
)
def test_filenames_lose_folders_and_unsafe_characters(given: str, kept: str) -> None:
    assert clean_filename(given) == kept


# Through the form: nothing stored when the scan is refused.


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("certificate.pdf", EXE, "content is not a PDF, JPEG or PNG"),
        ("certificate.pdf", image_bytes("PNG"), "content is image/png"),
        ("certificate.exe", EXE, "must be a PDF, JPEG or PNG"),
        ("certificate.pdf", b"%PDF-1.4\n" + b"0" * (11 * 1024 * 1024), "larger than 10 MB"),
    ],
)
def test_refused_scan_stores_nothing(world, session, app, name, data, message) -> None:
    before = request_count(session)
    response = world.exporter_client.post(
        world.new_url(),
        data={**world.vehicle_form(), "certificate": upload(data, name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert request_count(session) == before
    assert stored_scans(app) == []


def test_missing_scan_is_refused(world, session) -> None:
    before = request_count(session)
    response = world.exporter_client.post(world.new_url(), data=world.vehicle_form())
    assert "Attach the scan" in response.get_data(as_text=True)
    assert request_count(session) == before


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("cert.pdf", pdf_bytes(), "application/pdf"),
        ("cert.png", image_bytes("PNG"), "image/png"),
        ("cert.jpg", image_bytes("JPEG"), "image/jpeg"),
    ],
)
def test_accepted_scan_is_stored_and_downloadable(world, app, name, data, content_type) -> None:
    response = world.exporter_client.post(
        world.new_url(),
        data={**world.vehicle_form(), "certificate": upload(data, name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    request_id = int(response.headers["Location"].rsplit("/", 1)[1])
    [stored] = stored_scans(app)
    assert stored.read_bytes() == data
    assert "static" not in stored.parts
    download = world.exporter_client.get(f"/requests/{request_id}/attachment")
    assert download.status_code == 200
    assert download.data == data
    assert download.mimetype == content_type
    assert "attachment" in download.headers["Content-Disposition"]
    # The addressed manufacturer reads it too (the request was submitted).
    assert world.issuer_client.get(f"/requests/{request_id}/attachment").data == data
