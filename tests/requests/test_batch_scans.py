"""A ZIP file of certificate scans with a CSV batch: each scan named by its VIN, checked like a
single upload and stored the same way; any problem in either file stores and creates nothing,
and every problem is listed with the file it concerns."""

from __future__ import annotations

import io
import random
import struct
import zipfile

import pytest
import sqlalchemy as sa
from PIL import Image

from portal.requests import batch_views
from portal.requests.models import LetterRequest, RequestBatch
from portal.requests.scan_archive import (
    ArchiveRefused,
    ScanLimits,
    list_scans,
    open_archive,
    read_scans,
)
from portal.requests.states import RequestStatus
from portal.storage import storage
from tests.requests.conftest import (
    BYD_VIN,
    BYD_VIN_2,
    image_bytes,
    pdf_bytes,
    request_count,
    stored_scans,
)
from tests.requests.test_attachments import EXE
from tests.requests.test_batch import batch_vins, csv_bytes, row

THIRD_VIN = batch_vins(None, 1)[0]


def zip_bytes(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=method) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def patched_central_entry(
    data: bytes,
    name: str,
    *,
    file_size: int | None = None,
    flags: int | None = None,
    method: int | None = None,
) -> bytes:
    """Returns the ZIP with the central directory's record for `name` changed, as a forged
    archive would declare it (the local header and the content are left as they are)."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    while at != -1:
        (name_length,) = struct.unpack_from("<H", out, at + 28)
        if out[at + 46 : at + 46 + name_length] == name.encode():
            if flags is not None:
                struct.pack_into("<H", out, at + 8, flags)
            if method is not None:
                struct.pack_into("<H", out, at + 10, method)
            if file_size is not None:
                struct.pack_into("<I", out, at + 24, file_size)
            return bytes(out)
        at = out.find(b"PK\x01\x02", at + 4)
    raise AssertionError(f"{name} is not in the archive")


def post_with_scans(world, rows, scans: bytes, *, name: str = "scans.zip"):
    form = {
        "manufacturer": str(world.manufacturer.id),
        "file": (io.BytesIO(csv_bytes(rows)), "batch.csv"),
        "scans": (io.BytesIO(scans), name),
        "submit_now": "y",
    }
    return world.exporter_client.post(
        "/requests/batch", data=form, content_type="multipart/form-data"
    )


def large_png() -> bytes:
    """Returns a real PNG of noise, which does not compress: about 50 KB."""
    out = io.BytesIO()
    Image.frombytes("L", (256, 200), random.Random(7).randbytes(256 * 200)).save(out, "PNG")
    return out.getvalue()


def three_rows() -> list[dict[str, str]]:
    return [row(vin=BYD_VIN), row(vin=BYD_VIN_2), row(vin=THIRD_VIN)]


def assert_nothing_kept(app, session) -> None:
    assert request_count(session) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(RequestBatch)) == 0
    assert stored_scans(app) == []


def scan_problem(page: str, file: str, message: str) -> None:
    assert f"<tr><td>{file}</td><td>" in page, file
    assert message in page, message


def test_rows_with_a_scan_get_it_and_the_others_go_without(world, app, session) -> None:
    pdf, jpeg = pdf_bytes(), image_bytes("JPEG")
    scans = zip_bytes(
        {
            f"{BYD_VIN}.pdf": pdf,
            f"scans/{BYD_VIN_2.lower()}.JPG": jpeg,  # in one folder, any case
            "__MACOSX/._scans": b"\x00\x05\x16\x07",
            "scans/.DS_Store": b"\x00\x00\x00\x01Bud1",
            "Thumbs.db": b"\xd0\xcf\x11\xe0",
        }
    )
    response = post_with_scans(world, three_rows(), scans)
    assert response.status_code == 302
    requests = {r.vin: r for r in session.scalars(sa.select(LetterRequest))}
    assert set(requests) == {BYD_VIN, BYD_VIN_2, THIRD_VIN}
    with_pdf, with_jpeg, without = requests[BYD_VIN], requests[BYD_VIN_2], requests[THIRD_VIN]
    assert storage().get(with_pdf.attachment_key) == pdf
    assert storage().get(with_jpeg.attachment_key) == jpeg
    assert (with_pdf.attachment_content_type, with_jpeg.attachment_content_type) == (
        "application/pdf",
        "image/jpeg",
    )
    assert with_pdf.attachment_filename == f"{BYD_VIN}.pdf"
    assert with_jpeg.attachment_size == len(jpeg)
    assert not without.has_attachment
    assert all(r.status is RequestStatus.SUBMITTED for r in requests.values())
    assert len(stored_scans(app)) == 2
    listing = world.exporter_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 requests are imported as one batch; 2 of them with a certificate scan." in listing
    scan = world.exporter_client.get(f"/requests/{with_jpeg.id}/attachment")
    assert scan.data == jpeg


def test_one_scan_serves_every_row_of_its_vehicle(world, make, app, session) -> None:
    make.outlet(world.manufacturer, country="UZ", brands=[world.brand])
    rows = [row(vin=BYD_VIN), row(vin=BYD_VIN, country="UZ")]
    response = post_with_scans(world, rows, zip_bytes({f"{BYD_VIN}.pdf": pdf_bytes()}))
    assert response.status_code == 302
    requests = session.scalars(sa.select(LetterRequest)).all()
    assert len(requests) == 2 and all(r.has_attachment for r in requests)
    assert len(stored_scans(app)) == 1


def test_a_batch_without_scans_is_imported_as_before(world, session) -> None:
    form = {
        "manufacturer": str(world.manufacturer.id),
        "file": (io.BytesIO(csv_bytes(three_rows())), "batch.csv"),
    }
    response = world.exporter_client.post(
        "/requests/batch", data=form, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    assert request_count(session) == 3
    listing = world.exporter_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 requests are imported as one batch." in listing


@pytest.mark.parametrize(
    ("files", "file", "message"),
    [
        (
            {f"{BYD_VIN}.pdf": pdf_bytes(), f"{BYD_VIN_2[:-1]}9.pdf": pdf_bytes()},
            f"{BYD_VIN_2[:-1]}9.pdf",
            f"This scan matches no row: no row has the VIN {BYD_VIN_2[:-1]}9.",
        ),
        (
            {f"{BYD_VIN}.pdf": pdf_bytes(), f"more/{BYD_VIN}.png": image_bytes("PNG")},
            f"more/{BYD_VIN}.png",
            f"Two scans for the VIN {BYD_VIN}: this one and {BYD_VIN}.pdf. Keep one.",
        ),
        (
            # The good scan comes first and is stored before the bad one is read.
            {f"{BYD_VIN}.pdf": pdf_bytes(), f"{BYD_VIN_2}.pdf": EXE},
            f"{BYD_VIN_2}.pdf",
            "The file is named .pdf but its content is not a PDF, JPEG or PNG file.",
        ),
        (
            {f"{BYD_VIN}.pdf": pdf_bytes(), f"{BYD_VIN_2}.png": image_bytes("JPEG")},
            f"{BYD_VIN_2}.png",
            "The file is named .png but its content is image/jpeg.",
        ),
        (
            {f"{BYD_VIN}.pdf": pdf_bytes(), f"{BYD_VIN_2}.pdf": pdf_bytes()[:300]},
            f"{BYD_VIN_2}.pdf",
            "The file is incomplete or damaged and cannot be opened.",
        ),
        (
            {f"{BYD_VIN}.pdf": pdf_bytes(), f"../{BYD_VIN_2}.pdf": pdf_bytes()},
            f"../{BYD_VIN_2}.pdf",
            "This name points outside the ZIP file; such a file is refused.",
        ),
        (
            {f"/tmp/{BYD_VIN_2}.pdf": pdf_bytes()},
            f"/tmp/{BYD_VIN_2}.pdf",
            "This name points outside the ZIP file",
        ),
        (
            {f"a/b/{BYD_VIN}.pdf": pdf_bytes()},
            f"a/b/{BYD_VIN}.pdf",
            "at the top of the ZIP file or in one folder, not in sub-folders.",
        ),
        (
            {f"{BYD_VIN}.exe": EXE},
            f"{BYD_VIN}.exe",
            "The scan must be a PDF, JPEG or PNG file (.pdf, .jpg, .jpeg or .png).",
        ),
        ({f"{BYD_VIN}.pdf": b""}, f"{BYD_VIN}.pdf", "The file is empty."),
    ],
    ids=[
        "no-row",
        "two-scans",
        "exe-named-pdf",
        "jpeg-named-png",
        "damaged-pdf",
        "path-traversal",
        "absolute-path",
        "sub-folder",
        "extension",
        "empty",
    ],
)
def test_a_bad_scan_refuses_the_batch(world, app, session, files, file, message) -> None:
    page = post_with_scans(world, three_rows(), zip_bytes(files)).get_data(as_text=True)
    assert "problem(s) in the files; nothing was imported." in page
    scan_problem(page, file, message)
    assert_nothing_kept(app, session)


def test_every_problem_in_both_files_is_listed(world, app, session) -> None:
    rows = [row(vin=BYD_VIN), row(vin=BYD_VIN_2, country="XX")]
    scans = zip_bytes({f"{BYD_VIN}.pdf": pdf_bytes(), f"{THIRD_VIN}.pdf": EXE, "x.gif": b"GIF"})
    page = post_with_scans(world, rows, scans).get_data(as_text=True)
    assert "3 problem(s) in the files; nothing was imported." in page
    assert "<tr><td>3</td><td>country</td><td>" in page
    scan_problem(page, f"{THIRD_VIN}.pdf", "matches no row")
    scan_problem(page, "x.gif", "The scan must be a PDF, JPEG or PNG file")
    assert_nothing_kept(app, session)


def test_good_scans_with_a_bad_row_store_nothing(world, app, session) -> None:
    rows = [row(vin=BYD_VIN), row(vin=BYD_VIN_2, model="")]
    scans = zip_bytes({f"{BYD_VIN}.pdf": pdf_bytes(), f"{BYD_VIN_2}.pdf": pdf_bytes()})
    page = post_with_scans(world, rows, scans).get_data(as_text=True)
    assert "1 problem(s) in the file; nothing was imported." in page
    assert "<tr><td>3</td><td>model</td>" in page
    assert_nothing_kept(app, session)


def test_a_corrupt_zip_file_is_refused(world, app, session) -> None:
    page = post_with_scans(world, three_rows(), b"PK\x03\x04 not really a zip" * 40).get_data(
        as_text=True
    )
    scan_problem(page, "scans.zip", "The ZIP file of scans cannot be opened")
    assert_nothing_kept(app, session)


def test_an_encrypted_scan_is_refused(world, app, session) -> None:
    name = f"{BYD_VIN}.pdf"
    scans = patched_central_entry(zip_bytes({name: pdf_bytes()}), name, flags=0x1)
    page = post_with_scans(world, three_rows(), scans).get_data(as_text=True)
    scan_problem(page, name, "This file is encrypted (protected by a password)")
    assert_nothing_kept(app, session)


def test_a_scan_compressed_with_an_unknown_method_is_refused(world, app, session) -> None:
    name = f"{BYD_VIN}.pdf"
    forged = patched_central_entry(zip_bytes({name: pdf_bytes()}), name, method=99)
    page = post_with_scans(world, three_rows(), forged).get_data(as_text=True)
    scan_problem(page, name, "compressed with a method the Portal cannot read")
    assert_nothing_kept(app, session)


def test_a_scan_declared_smaller_than_it_unpacks_is_caught_while_reading(
    world, app, session
) -> None:
    # Megabytes of padding compress to almost nothing; the forged record declares 4 KB.
    pdf = pdf_bytes()
    padded = pdf[:9] + b"%" + b"0" * (5 * 1024 * 1024) + b"\n" + pdf[9:]
    name = f"{BYD_VIN_2}.pdf"
    forged = patched_central_entry(
        zip_bytes({f"{BYD_VIN}.pdf": pdf, name: padded}), name, file_size=4096
    )
    page = post_with_scans(world, three_rows(), forged).get_data(as_text=True)
    scan_problem(page, name, "This file is damaged inside the ZIP file and cannot be read.")
    assert_nothing_kept(app, session)


def test_a_scan_declared_larger_than_ten_megabytes_is_not_unpacked(world, app, session) -> None:
    name = f"{BYD_VIN}.pdf"
    forged = patched_central_entry(zip_bytes({name: pdf_bytes()}), name, file_size=11 * 2**20)
    page = post_with_scans(world, three_rows(), forged).get_data(as_text=True)
    scan_problem(page, name, "The file is larger than 10 MB.")
    assert_nothing_kept(app, session)


def test_scans_declaring_more_than_the_unpacked_limit_refuse_the_archive() -> None:
    scans = zip_bytes({f"{BYD_VIN}.pdf": pdf_bytes(), f"{BYD_VIN_2}.pdf": pdf_bytes()})
    limits = ScanLimits(unpacked_bytes=len(pdf_bytes()) + 10)
    with open_archive(io.BytesIO(scans), limits) as archive, pytest.raises(ArchiveRefused) as e:
        list_scans(archive, {BYD_VIN, BYD_VIN_2}, limits)
    assert "more than 0 MB unpacked" in e.value.message


def test_bytes_read_are_counted_against_the_unpacked_limit() -> None:
    pdf = pdf_bytes()
    scans = zip_bytes({f"{BYD_VIN}.pdf": pdf, f"{BYD_VIN_2}.pdf": pdf})
    with open_archive(io.BytesIO(scans), ScanLimits()) as archive:
        entries, errors = list_scans(archive, {BYD_VIN, BYD_VIN_2}, ScanLimits())
        assert errors == [] and len(entries) == 2
        reading = read_scans(archive, entries, ScanLimits(unpacked_bytes=len(pdf) + 10))
        first_entry, first = next(reading)
        assert first_entry.vin == BYD_VIN and first.data == pdf
        with pytest.raises(ArchiveRefused):
            next(reading)


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (ScanLimits(archive_bytes=100), "The ZIP file of scans is larger than 0 MB."),
        (ScanLimits(entries=1), "The ZIP file holds more than 1 files."),
    ],
)
def test_archives_too_large_or_with_too_many_files_are_refused(limits, message) -> None:
    scans = zip_bytes({f"{BYD_VIN}.pdf": pdf_bytes(), f"{BYD_VIN_2}.pdf": pdf_bytes()})
    with pytest.raises(ArchiveRefused) as refused:
        open_archive(io.BytesIO(scans), limits)
    assert refused.value.message == message


def test_the_batch_page_takes_more_than_the_portal_wide_upload_cap(world, app, session) -> None:
    # A ZIP file of scans may be far larger than any other upload of the Portal.
    app.config["MAX_CONTENT_LENGTH"] = 2048
    scans = zip_bytes({f"{BYD_VIN}.png": large_png()})
    assert len(scans) > 2048
    assert post_with_scans(world, three_rows(), scans).status_code == 302
    assert request_count(session) == 3


def test_files_above_the_batch_upload_limit_are_refused(world, app, session, monkeypatch) -> None:
    monkeypatch.setattr(batch_views, "UPLOAD_LIMIT_BYTES", 2048)
    scans = zip_bytes({f"{BYD_VIN}.png": large_png()})
    response = post_with_scans(world, three_rows(), scans)
    assert response.status_code == 413
    assert "The files together are larger than 0 MB; nothing was imported." in response.get_data(
        as_text=True
    )
    assert_nothing_kept(app, session)
