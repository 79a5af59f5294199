"""CSV import through the pages: preview, apply, round trip, and every kind of bad file."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from portal.accounts.roles import Role
from portal.audit.models import AuditEntry
from portal.outlets.csv_io import write_csv
from portal.outlets.models import Outlet, OutletImport, OutletVersion
from portal.outlets.values import COLUMNS
from tests.outlets.conftest import outlet_row


def _csv(org, *rows: dict) -> bytes:
    return write_csv(
        [{name: str(outlet_row(org, **row)[name]) for name in COLUMNS} for row in rows]
    )


def _upload(client, data: bytes, name: str = "outlets.csv"):
    return client.post(
        "/outlets/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def editor(login_as, manufacturer):
    return login_as(Role.MANUFACTURER_ISSUER, org=manufacturer)


def _preview_and_apply(client, data: bytes):
    response = _upload(client, data)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    preview = client.get(response.location).get_data(as_text=True)
    applied = client.post(response.location + "/apply", follow_redirects=True)
    return preview, applied


def test_export_then_import_changes_nothing(session, manufacturer, make_outlet, editor):
    b0, b1 = (brand.name for brand in manufacturer.brands)
    make_outlet(manufacturer)
    make_outlet(
        manufacturer,
        outlet_code="SA-1",
        country="SA",
        city="الرياض",
        phone="+966 11 234 5678",
        name_local="=مركز خدمة",
        name_latin="+Plus @Service",
        address="-1 Street, '=quoted'",
        brands=f"{b1};{b0}",
        service_types="roadside;repair;warranty",
        email="",
        website="",
        postcode="",
        contact_person="",
        latitude="-24.7136",
        longitude="46.6753",
        active_until="2026-12-31",
    )
    make_outlet(
        manufacturer,
        outlet_code="BR-1",
        country="BR",
        phone="+55 11 3003-1234",
        latitude="",
        longitude="",
        city="São Paulo",
        name_local="Oficina Ágil",
    )
    exported = editor.get("/outlets/export.csv")
    assert exported.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in exported.headers["Content-Disposition"]
    text = exported.data.decode("utf-8-sig")
    for cell in (
        ",'=مركز خدمة,",
        ",'+Plus @Service,",
        "'-1 Street",
        ",'+966112345678,",
        ",-24.7136,",
    ):
        assert cell in text, cell
    versions_before = _count(session, OutletVersion)
    preview, applied = _preview_and_apply(editor, exported.data)
    assert "To create</dt><dd>0" in preview and "To update</dt><dd>0" in preview
    assert "Unchanged</dt><dd>3" in preview
    assert "0 created, 0 updated, 3 unchanged" in applied.get_data(as_text=True)
    assert _count(session, OutletVersion) == versions_before
    assert editor.get("/outlets/export.csv").data == exported.data


def test_import_creates_and_updates_in_one_go(session, manufacturer, make_outlet, editor):
    existing = make_outlet(manufacturer, outlet_code="DE-1")
    data = _csv(
        manufacturer,
        {"outlet_code": "DE-1", "city": "Potsdam"},
        {"outlet_code": "de-2"},
        {"outlet_code": "FR-1", "country": "FR", "phone": "01 42 68 53 00"},
    )
    preview, applied = _preview_and_apply(editor, data)
    assert "To create</dt><dd>2" in preview and "To update</dt><dd>1" in preview
    assert "1 created" not in applied.get_data(as_text=True)
    assert "2 created, 1 updated, 0 unchanged" in applied.get_data(as_text=True)
    session.expire_all()
    outlets = {o.code: o for o in session.scalars(sa.select(Outlet))}
    assert set(outlets) == {"DE-1", "DE-2", "FR-1"}
    assert outlets["FR-1"].current.phone == "+33142685300"
    assert outlets["FR-1"].current.brands == [manufacturer.brands[0]]
    assert outlets["FR-1"].current.created_by_id == editor.user.id
    assert existing.current.number == 2 and existing.current.changed_fields == ["city"]
    assert [v.city for v in existing.versions] == ["Berlin", "Potsdam"]
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "outlets.imported"))
    assert entry.details == {"created": 2, "updated": 1, "unchanged": 0}
    assert _count(session, OutletImport) == 0


def _problems(page: str) -> list[tuple[str, str, str]]:
    import re

    body = page[page.index('id="import-errors"') :]
    body = body[: body.index("</section>")]
    cells = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", body)
    return [(row, column, message) for row, column, message in cells]


BAD_ROWS = [
    ({"country": "XX"}, "country", "XX is not an ISO 3166-1 country code such as DE."),
    ({"phone": "12345"}, "phone", "12345 is not a valid phone number in DE"),
    ({"email": "service@@example"}, "email", "is not an email address"),
    (
        {"active_from": "2026-05-02", "active_until": "2026-05-01"},
        "active_until",
        "The last day (2026-05-01) is before the first day (2026-05-02).",
    ),
    ({"brands": "Tesla"}, "brands", "Tesla is not a brand of this manufacturer."),
    ({"name_local": "<b>Autohaus</b>"}, "name_local", "Must not contain markup"),
    ({"name_latin": "Auto\u202ehaus"}, "name_latin", "U+202E"),
    # Meetei Mayek and Egyptian hieroglyphs: no letter font draws them
    ({"name_local": "Autohaus \uabcd"}, "name_local", "\uabcd (U+ABCD MEETEI MAYEK LETTER HUK)"),
    ({"address": "Weg \U00013000 1"}, "address", "(U+13000 EGYPTIAN HIEROGLYPH A001)"),
    ({"address": "x" * 401}, "address", "Too long: at most 400 characters, not 401."),
    ({"outlet_code": ""}, "outlet_code", "This value is required."),
    ({"service_types": "repair;magic"}, "service_types", "Unknown service type magic"),
    ({"active_from": "1.5.2026"}, "active_from", "1.5.2026 is not a date written YYYY-MM-DD."),
]


@pytest.mark.parametrize(("fields", "column", "reason"), BAD_ROWS)
def test_a_bad_row_is_named_and_nothing_is_written(
    session, manufacturer, editor, fields, column, reason
):
    data = _csv(
        manufacturer,
        {"outlet_code": "OK-1"},
        {"outlet_code": "BAD-2", **fields},
        {"outlet_code": "OK-3"},
    )
    response = _upload(editor, data)
    assert response.status_code == 422
    problems = _problems(response.get_data(as_text=True))
    assert len(problems) == 1, problems
    assert problems[0][:2] == ("3", column) and reason in problems[0][2].replace("&#39;", "'")
    assert _count(session, Outlet) == 0 and _count(session, OutletImport) == 0


def test_a_duplicate_code_names_both_rows(session, manufacturer, editor):
    data = _csv(
        manufacturer, {"outlet_code": "A-1"}, {"outlet_code": "B-1"}, {"outlet_code": "a-1"}
    )
    response = _upload(editor, data)
    assert response.status_code == 422
    assert _problems(response.get_data(as_text=True)) == [
        ("4", "outlet_code", "The outlet code A-1 is already on row 2.")
    ]
    assert _count(session, Outlet) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            ",".join(COLUMNS).encode("utf-16"),
            "The file is neither UTF-8 nor GB18030 text (save it as &#39;CSV UTF-8&#39; in Excel).",
        ),
        ("outlet_code,country\nä,DE".encode("latin-1"), "The file is neither UTF-8 nor GB18030"),
        (b"", "The file is empty."),
        ((",".join(COLUMNS) + "\r\n").encode(), "The file has a header but no outlet rows."),
        (
            (",".join(COLUMNS[:-1]) + ",extra\r\n").encode(),
            "The header row does not have the expected columns.",
        ),
    ],
)
def test_unreadable_files_are_refused(session, editor, data, message):
    response = _upload(editor, data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(session, Outlet) == 0 and _count(session, OutletImport) == 0


@pytest.mark.parametrize(
    ("separator", "encoding", "found"),
    [
        (";", "gb18030", "GB18030, with cells separated by semicolons"),
        ("\t", "utf-8-sig", "UTF-8 with BOM, with cells separated by tabs"),
    ],
)
def test_excel_files_of_any_locale_are_imported(
    session, manufacturer, editor, separator, encoding, found
):
    exported = _csv(manufacturer, {"outlet_code": "KZ-7", "city": "阿拉木图", "address": "a; b"})
    out = io.StringIO()
    csv.writer(out, delimiter=separator).writerows(
        csv.reader(io.StringIO(exported.decode("utf-8-sig")))
    )
    preview, applied = _preview_and_apply(editor, out.getvalue().encode(encoding))
    assert f"The file was read as {found}." in preview
    assert applied.status_code == 200
    outlet = session.scalar(sa.select(Outlet).where(Outlet.code == "KZ-7"))
    assert (outlet.current.city, outlet.current.address) == ("阿拉木图", "a; b")


def test_missing_and_extra_columns_are_listed(editor):
    header = ",".join(c for c in COLUMNS if c != "email") + ",notes"
    page = _upload(editor, (header + "\r\n").encode()).get_data(as_text=True)
    assert ("1", "email", "This column is missing.") in _problems(page)
    assert ("1", "notes", "Unknown column; the columns are listed in the template.") in _problems(
        page
    )


def test_a_50_mb_upload_gets_a_clear_error(session, editor):
    response = _upload(editor, b"a" * (50 * 1024 * 1024))
    assert response.status_code == 413
    assert "The file is larger than 5 MB" in response.get_data(as_text=True)
    assert _count(session, OutletImport) == 0


def test_above_the_portal_wide_cap_the_import_page_explains(app, editor):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    response = _upload(editor, b"a" * (2 * 1024 * 1024))
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "The file is larger than 5 MB" in page and 'type="file"' in page


def test_the_template_is_the_header(editor):
    response = editor.get("/outlets/template.csv")
    assert response.data.decode("utf-8-sig") == ",".join(COLUMNS) + "\r\n"


def test_apply_refuses_when_the_directory_changed_since_the_preview(
    session, manufacturer, make_outlet, editor
):
    outlet = make_outlet(manufacturer, outlet_code="DE-1")
    response = _upload(editor, _csv(manufacturer, {"outlet_code": "DE-1", "city": "Potsdam"}))
    preview_url = response.location
    editor.post(
        f"/outlets/{outlet.id}/edit",
        data=outlet_row(manufacturer, outlet_code="DE-1", city="Potsdam"),
    )
    refused = editor.post(preview_url + "/apply", follow_redirects=True).get_data(as_text=True)
    assert "The directory changed since the preview" in refused
    assert "Unchanged</dt><dd>1" in refused
    session.expire_all()
    assert len(session.get(Outlet, outlet.id).versions) == 2
    again = editor.post(preview_url + "/apply", follow_redirects=True).get_data(as_text=True)
    assert "0 created, 0 updated, 1 unchanged" in again
    assert len(session.get(Outlet, outlet.id).versions) == 2


def test_a_preview_belongs_to_its_user_and_is_used_once(login_as, manufacturer, make, editor):
    response = _upload(editor, _csv(manufacturer, {"outlet_code": "DE-1"}))
    preview_url = response.location
    colleague = login_as(Role.MANUFACTURER_ADMIN, org=manufacturer)
    assert colleague.get(preview_url).status_code == 404
    assert colleague.post(preview_url + "/apply").status_code == 404
    stranger = login_as(Role.MANUFACTURER_ADMIN)
    assert stranger.get(preview_url).status_code == 404
    assert editor.post(preview_url + "/apply").status_code == 302
    assert editor.post(preview_url + "/apply").status_code == 404


def test_viewers_cannot_import(login_as, manufacturer):
    viewer = login_as(Role.MANUFACTURER_VIEWER, org=manufacturer)
    assert _upload(viewer, _csv(manufacturer, {})).status_code == 403
