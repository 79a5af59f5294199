"""CSV batches: all or nothing, every bad row reported with its row number and column,
5,000 rows accepted, and the template."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.clock import today_in_china
from portal.requests.csv_io import COLUMNS, MAX_ROWS, read_rows
from portal.requests.models import FuelType, LetterRequest, RequestBatch
from portal.requests.states import RequestStatus
from tests.requests.conftest import BYD_VIN, BYD_VIN_2, BYD_VIN_MISTYPED, SAIC_VIN, request_count

TODAY = today_in_china()
REGISTERED = (TODAY - timedelta(days=60)).isoformat()
TRANSFERRED = (TODAY - timedelta(days=2)).isoformat()


def row(**overrides: str) -> dict[str, str]:
    values = {
        "brand": "BYD",
        "model": "Song Plus",
        "vin": BYD_VIN,
        "registration_date": REGISTERED,
        "transfer_registration_date": TRANSFERRED,
        "country": "KZ",
    }
    values.update(overrides)
    return values


def csv_bytes(
    rows: list[dict[str, str]],
    *,
    bom: bool = False,
    columns=None,
    separator: str = ",",
    encoding: str = "",
) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=columns or list(COLUMNS), extrasaction="ignore", delimiter=separator
    )
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding or ("utf-8-sig" if bom else "utf-8"))


def post_batch(world, data: bytes, *, submit: bool = True, name: str = "batch.csv"):
    form = {"manufacturer": str(world.manufacturer.id), "file": (io.BytesIO(data), name)}
    if submit:
        form["submit_now"] = "y"
    return world.exporter_client.post(
        "/requests/batch", data=form, content_type="multipart/form-data"
    )


def batch_vins(world, count: int) -> list[str]:
    from portal.vehicles.vin import check_digit

    vins = []
    for n in range(count):
        text = f"LGXAB12C0SA{n:06d}"
        vins.append(text[:8] + check_digit(text) + text[9:])
    return vins


def test_template_has_every_column_and_a_bom(world) -> None:
    response = world.exporter_client.get("/requests/template.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    header = response.data.decode("utf-8-sig").strip().split(",")
    assert tuple(header) == COLUMNS


@pytest.mark.parametrize("bom", [False, True])
def test_a_good_batch_is_imported(world, session, bom) -> None:
    rows = [
        row(fuel_type="BEV", colour="白色", application_date=TODAY.isoformat()),
        row(
            vin=BYD_VIN_2,
            fuel_type="插电式混合动力",
            registration_date=REGISTERED.replace("-", "/"),
        ),
    ]
    response = post_batch(world, csv_bytes(rows, bom=bom))
    assert response.status_code == 302
    batch = session.scalar(sa.select(RequestBatch).order_by(RequestBatch.id.desc()))
    assert batch.row_count == 2 and batch.submitted
    requests = session.scalars(
        sa.select(LetterRequest)
        .where(LetterRequest.batch_id == batch.id)
        .order_by(LetterRequest.id)
    ).all()
    assert [r.vin for r in requests] == [BYD_VIN, BYD_VIN_2]
    assert [r.fuel_type for r in requests] == [FuelType.BEV, FuelType.PHEV]
    assert requests[0].colour == "白色"
    assert all(r.status is RequestStatus.SUBMITTED and not r.has_attachment for r in requests)
    assert all([e.to_status for e in r.events] == [RequestStatus.SUBMITTED] for r in requests)
    assert {r.events[0].actor_id for r in requests} == {world.exporter_client.user.id}
    listing = world.exporter_client.get(response.headers["Location"]).get_data(as_text=True)
    assert BYD_VIN in listing and "Letter required (day 60 of 180)" in listing


def test_batch_as_drafts(world, session) -> None:
    post_batch(world, csv_bytes([row()]), submit=False)
    request = session.scalar(sa.select(LetterRequest).where(LetterRequest.vin == BYD_VIN))
    assert request.status is RequestStatus.DRAFT and request.submitted_at is None


def test_some_bad_rows_write_nothing_and_each_is_reported(world, session) -> None:
    future = (TODAY + timedelta(days=3)).isoformat()
    rows = [
        row(),  # row 2: fine
        row(vin=BYD_VIN_MISTYPED),  # row 3
        row(vin=SAIC_VIN),  # row 4
        row(vin=BYD_VIN_2, country="DE"),  # row 5: no outlet there
        row(vin=BYD_VIN_2, country="XX"),  # row 6
        row(vin=BYD_VIN_2, registration_date=future),  # row 7
        row(vin=BYD_VIN_2, transfer_registration_date=(TODAY - timedelta(days=90)).isoformat()),
        row(vin=BYD_VIN_2, brand="Tesla", registration_date="31.12.2025"),  # row 9: two errors
        row(vin=BYD_VIN_2, fuel_type="steam"),  # row 10
        row(),  # row 11: same vehicle and country as row 2
    ]
    before = request_count(session)
    response = post_batch(world, csv_bytes(rows))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert request_count(session) == before
    assert session.scalar(sa.select(sa.func.count()).select_from(RequestBatch)) == 0
    assert "10 problem(s) in the file; nothing was imported." in page
    expected = [
        (3, "vin", "check digit"),
        (4, "vin", "not a manufacturer identifier"),
        (5, "country", "no active after-sales outlet for BYD in DE"),
        (6, "country", "XX is not a country code"),
        (7, "registration_date", "in the future"),
        (8, "transfer_registration_date", "cannot be dated before the registration"),
        (9, "brand", "&#39;Tesla&#39; is not a brand of this manufacturer"),
        (9, "registration_date", "31.12.2025 is not a date"),
        (10, "fuel_type", "The fuel type is one of"),
        (11, "vin", "Row 2 has the same vehicle and country."),
    ]
    for number, column, message in expected:
        assert f"<tr><td>{number}</td><td>{column}</td><td>" in page, (number, column)
        assert message in page, message


def test_rows_report_errors_with_their_row_and_column(world) -> None:
    rows = [row(model="", transfer_registration_date="")]
    page = post_batch(world, csv_bytes(rows)).get_data(as_text=True)
    assert "<tr><td>2</td><td>model</td><td>The model is required" in page
    assert "<tr><td>2</td><td>transfer_registration_date</td><td>" in page


def test_an_open_request_for_the_same_vehicle_blocks_the_batch(world, make, session) -> None:
    existing = make.letter_request(
        manufacturer=world.manufacturer, exporter=world.exporter, vin=BYD_VIN
    )
    before = request_count(session)
    page = post_batch(world, csv_bytes([row(vin=BYD_VIN_2), row()])).get_data(as_text=True)
    assert f"Request #{existing.id} for this vehicle and country is still open." in page
    assert "<tr><td>3</td><td>vin</td>" in page
    assert request_count(session) == before


@pytest.mark.parametrize(
    ("separator", "encoding", "found"),
    [
        (";", "utf-8-sig", "UTF-8 with BOM, with cells separated by semicolons"),
        (";", "gb18030", "GB18030, with cells separated by semicolons"),
        ("\t", "gb18030", "GB18030, with cells separated by tabs"),
        (",", "utf-8", "UTF-8, with cells separated by commas"),
    ],
)
def test_excel_files_of_any_locale_are_imported(world, session, separator, encoding, found):
    rows = [row(colour="白色", fuel_type="插电式混合动力"), row(vin=BYD_VIN_2, colour="黑色; 哑光")]
    data = csv_bytes(rows, separator=separator, encoding=encoding)
    response = post_batch(world, data)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    page = world.exporter_client.get(response.location).get_data(as_text=True)
    assert f"The file was read as {found}." in page
    colours = session.scalars(
        sa.select(LetterRequest.colour).where(LetterRequest.vin.in_([BYD_VIN, BYD_VIN_2]))
    ).all()
    assert sorted(colours) == sorted(["白色", "黑色; 哑光"])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b"brand,model\n", "Missing columns: vin"),
        (csv_bytes([row()], columns=[*COLUMNS, "price"]), "Unknown columns: price"),
        (b"brand;model;vin\n", "Missing columns: registration_date"),
        ("品牌,车型\n".encode("gb18030"), "Unknown columns: 品牌, 车型"),
        ("brand,model\nVolkswagen,Käfer\n".encode("latin-1"), "neither UTF-8 nor GB18030"),
        (csv_bytes([]), "no vehicles below its header"),
        (b"brand,brand,model,vin,registration_date,transfer_registration_date,country\n", "twice"),
    ],
)
def test_files_refused_as_a_whole(world, session, data, message) -> None:
    before = request_count(session)
    page = post_batch(world, data).get_data(as_text=True)
    assert message in page
    assert request_count(session) == before


def test_extra_cells_are_reported(world) -> None:
    data = csv_bytes([row()]) + b"BYD,X," + BYD_VIN_2.encode() + b",,,,,,,,,,,,extra\n"
    page = post_batch(world, data).get_data(as_text=True)
    assert "more cells than the header has columns" in page


def test_headers_are_read_loosely(world, session) -> None:
    data = (
        "Brand, Model ,VIN,Registration Date,transfer-registration-date,COUNTRY\r\n"
        f"byd,Song Plus,{BYD_VIN.lower()},{REGISTERED},{TRANSFERRED},kz\r\n"
    ).encode()
    assert post_batch(world, data).status_code == 302
    request = session.scalar(sa.select(LetterRequest).where(LetterRequest.vin == BYD_VIN))
    assert (request.brand_id, request.country) == (world.brand.id, "KZ")


def test_blank_lines_are_skipped() -> None:
    data = csv_bytes([row()]) + b"\r\n,,,,\r\n"
    rows, errors = read_rows(data)
    assert len(rows) == 1 and errors == []


def test_five_thousand_rows_are_accepted(world, session) -> None:
    rows = [row(vin=vin) for vin in batch_vins(world, MAX_ROWS)]
    response = post_batch(world, csv_bytes(rows))
    assert response.status_code == 302
    batch = session.scalar(sa.select(RequestBatch))
    assert batch.row_count == MAX_ROWS
    count = session.scalar(
        sa.select(sa.func.count())
        .select_from(LetterRequest)
        .where(LetterRequest.batch_id == batch.id)
    )
    assert count == MAX_ROWS


def test_five_thousand_and_one_rows_are_refused(world, session) -> None:
    rows = [row(vin=vin) for vin in batch_vins(world, MAX_ROWS + 1)]
    page = post_batch(world, csv_bytes(rows)).get_data(as_text=True)
    assert "A batch has at most 5000 vehicles." in page
    assert request_count(session) == 0


def test_one_bad_row_among_five_thousand_writes_nothing(world, session) -> None:
    vins = batch_vins(world, MAX_ROWS)
    rows = [row(vin=vin) for vin in vins]
    rows[4321] = row(vin=vins[4321][:-1] + ("0" if vins[4321][-1] != "0" else "1"))
    page = post_batch(world, csv_bytes(rows)).get_data(as_text=True)
    assert "1 problem(s) in the file" in page
    assert "<tr><td>4323</td><td>vin</td>" in page
    assert request_count(session) == 0
