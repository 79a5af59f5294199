"""An exporter's new request, step by step, and every kind of bad input: clear errors and
nothing stored."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.accounts.models import Brand, Wmi
from portal.accounts.roles import OrgKind, Role
from portal.clock import today_in_china
from portal.requests.models import FuelType, LetterRequest
from portal.requests.states import RequestStatus
from tests.requests.conftest import (
    BYD_VIN,
    BYD_VIN_MISTYPED,
    SAIC_VIN,
    pdf_bytes,
    request_count,
    stored_scans,
    upload,
)


def post_vehicle(world, url=None, **overrides):
    return world.exporter_client.post(
        url or world.new_url(),
        data={**world.vehicle_form(**overrides), "certificate": upload(pdf_bytes(), "c.pdf")},
        content_type="multipart/form-data",
    )


def test_step_one_lists_active_manufacturers(world, make) -> None:
    inactive = make.organisation(OrgKind.MANUFACTURER, name_en="Closed Motors", is_active=False)
    page = world.exporter_client.get("/requests/new").get_data(as_text=True)
    assert "BYD Auto Co., Ltd." in page
    assert inactive.name_en not in page


def test_step_two_lists_only_countries_with_active_outlets(world, make) -> None:
    today = today_in_china()
    make.outlet(world.manufacturer, country="UZ", brands=[world.brand], active_until=today)
    make.outlet(
        world.manufacturer,
        country="RU",
        brands=[world.brand],
        active_until=today - timedelta(days=1),
    )
    make.outlet(
        world.manufacturer,
        country="MN",
        brands=[world.brand],
        active_from=today + timedelta(days=1),
    )
    page = world.exporter_client.get(
        f"/requests/new?manufacturer={world.manufacturer.id}"
    ).get_data(as_text=True)
    assert 'value="KZ"' in page and 'value="UZ"' in page
    assert 'value="RU"' not in page and 'value="MN"' not in page
    # The brand without outlets gets an explanation instead of a list.
    assert "no active after-sales outlet for Denza in any country" in page


def test_country_name_in_chinese(world) -> None:
    world.exporter_client.get("/language/zh_Hans")
    page = world.exporter_client.get(
        f"/requests/new?manufacturer={world.manufacturer.id}"
    ).get_data(as_text=True)
    assert "哈萨克斯坦" in page


def test_unknown_manufacturer_or_foreign_brand_is_not_found(world, make) -> None:
    other = make.organisation(OrgKind.MANUFACTURER)
    assert world.exporter_client.get("/requests/new?manufacturer=999999").status_code == 404
    exporter_org = world.exporter.id
    assert (
        world.exporter_client.get(f"/requests/new?manufacturer={exporter_org}").status_code == 404
    )
    url = (
        f"/requests/new?manufacturer={world.manufacturer.id}&brand={other.brands[0].id}&country=KZ"
    )
    assert world.exporter_client.get(url).status_code == 404


def test_a_valid_request_is_created_and_submitted(world, session) -> None:
    response = post_vehicle(world, vin=" lgxce4cb6s0134553 ")
    assert response.status_code == 302
    request = session.scalar(sa.select(LetterRequest).where(LetterRequest.vin == BYD_VIN))
    assert request.status is RequestStatus.SUBMITTED
    assert request.exporter_id == world.exporter.id
    assert request.manufacturer_id == world.manufacturer.id
    assert request.brand_id == world.brand.id
    assert request.country == "KZ"
    assert request.fuel_type is FuelType.PHEV
    assert request.submitted_at is not None
    assert [e.to_status for e in request.events] == [RequestStatus.SUBMITTED]
    detail = world.exporter_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Letter required (day 40 of 180)" in detail
    assert "within the 180-day window" in detail


def test_save_as_draft_then_submit(world, session) -> None:
    response = post_vehicle(world, after="draft")
    request = session.scalar(sa.select(LetterRequest).where(LetterRequest.vin == BYD_VIN))
    assert request.status is RequestStatus.DRAFT and request.submitted_at is None
    assert world.exporter_client.post(f"/requests/{request.id}/submit").status_code == 302
    session.refresh(request)
    assert request.status is RequestStatus.SUBMITTED
    assert response.status_code == 302


def test_outside_the_window_is_shown_but_still_allowed(world, session) -> None:
    today = today_in_china()
    response = post_vehicle(
        world,
        registration_date=(today - timedelta(days=181)).isoformat(),
        transfer_registration_date=(today - timedelta(days=3)).isoformat(),
    )
    assert response.status_code == 302
    detail = world.exporter_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Not required (day 181)" in detail
    listing = world.exporter_client.get("/requests").get_data(as_text=True)
    assert "Not required (day 181)" in listing


def _refused(world, session, app, message, url=None, **overrides) -> None:
    before = request_count(session)
    response = post_vehicle(world, url=url, **overrides)
    assert response.status_code == 200, response.status_code
    assert message in response.get_data(as_text=True)
    assert request_count(session) == before
    assert stored_scans(app) == []


@pytest.mark.parametrize(
    ("vin", "message"),
    [
        (BYD_VIN_MISTYPED, "The check digit (character 9) of the VIN is 6, but the other"),
        ("LGXCE4CB6S013455O", "Character 17 of the VIN is O"),
        ("LGXCE4CB6S01345", "A VIN has 17 characters; 15 were given."),
        ("LGXCE4CB6S01345*3", "Character 16 of the VIN is"),
        (SAIC_VIN, "The VIN starts with LSJ, which is not a manufacturer identifier of"),
    ],
)
def test_bad_vins_are_refused(world, session, app, vin, message) -> None:
    _refused(world, session, app, message, vin=vin)


def test_future_registration_date_is_refused(world, session, app) -> None:
    tomorrow = (today_in_china() + timedelta(days=1)).isoformat()
    _refused(world, session, app, "This date is in the future", registration_date=tomorrow)


def test_future_transfer_date_is_refused(world, session, app) -> None:
    tomorrow = (today_in_china() + timedelta(days=1)).isoformat()
    _refused(world, session, app, "in the future", transfer_registration_date=tomorrow)


def test_transfer_before_registration_is_refused(world, session, app) -> None:
    today = today_in_china()
    _refused(
        world,
        session,
        app,
        "cannot be dated before the registration",
        registration_date=(today - timedelta(days=10)).isoformat(),
        transfer_registration_date=(today - timedelta(days=11)).isoformat(),
    )


def test_application_before_registration_is_refused(world, session, app) -> None:
    today = today_in_china()
    _refused(
        world,
        session,
        app,
        "application cannot be dated before the registration",
        application_date=(today - timedelta(days=41)).isoformat(),
    )


def test_half_declared_modified_vehicle_is_refused(world, session, app) -> None:
    _refused(world, session, app, "For a modified vehicle", chassis_brand="BYD")


def test_modified_vehicle_with_all_three_values(world, session) -> None:
    response = post_vehicle(
        world, chassis_brand="BYD", modified_brand="Yutong", modified_model="ZK5040XLC"
    )
    assert response.status_code == 302
    request = session.scalar(sa.select(LetterRequest).where(LetterRequest.vin == BYD_VIN))
    assert request.is_modified and request.modified_model == "ZK5040XLC"


def test_crafted_post_for_a_country_without_outlets(world, session, app) -> None:
    _refused(
        world,
        session,
        app,
        "has no active after-sales outlet for BYD in DE",
        url=world.new_url("DE"),
    )


def test_crafted_post_for_a_brand_without_outlets(world, session, app) -> None:
    url = world.new_url("KZ", brand=world.bare_brand)
    _refused(world, session, app, "no active after-sales outlet for Denza in KZ", url=url)


def test_crafted_post_for_an_unknown_country(world, session, app) -> None:
    _refused(world, session, app, "XX is not a country code", url=world.new_url("XX"))


def test_get_of_a_country_without_outlets_goes_back_to_step_two(world) -> None:
    response = world.exporter_client.get(world.new_url("DE"))
    assert response.status_code == 302
    assert f"manufacturer={world.manufacturer.id}" in response.headers["Location"]


def test_vin_of_another_manufacturer_cannot_be_addressed_here(world, session, app, make) -> None:
    # SAIC's VIN is refused by BYD even though SAIC exists in the Portal with its WMI.
    make.organisation(OrgKind.MANUFACTURER, brands=[Brand(name="MG")], wmis=[Wmi(code="LSJ")])
    _refused(world, session, app, "not a manufacturer identifier", vin=SAIC_VIN)


def test_second_open_request_for_the_same_vehicle_and_country_is_refused(world, session, app):
    assert post_vehicle(world).status_code == 302
    count = request_count(session)
    files = stored_scans(app)
    response = post_vehicle(world)
    assert "is still open" in response.get_data(as_text=True)
    assert request_count(session) == count
    assert stored_scans(app) == files


def test_edit_a_draft(world, session) -> None:
    post_vehicle(world, after="draft")
    request = session.scalar(sa.select(LetterRequest).where(LetterRequest.vin == BYD_VIN))
    form = world.vehicle_form(model="Song Plus EV", colour="Black")
    response = world.exporter_client.post(f"/requests/{request.id}/edit", data=form)
    assert response.status_code == 302
    session.refresh(request)
    assert (request.model, request.colour) == ("Song Plus EV", "Black")
    assert request.has_attachment  # the scan was kept


def test_edit_refuses_bad_data_and_changes_nothing(world, session) -> None:
    post_vehicle(world, after="draft")
    request = session.scalar(sa.select(LetterRequest).where(LetterRequest.vin == BYD_VIN))
    form = world.vehicle_form(model="Changed", vin=BYD_VIN_MISTYPED)
    response = world.exporter_client.post(f"/requests/{request.id}/edit", data=form)
    assert "check digit" in response.get_data(as_text=True)
    session.refresh(request)
    assert request.model == "Song Plus DM-i"


def test_every_problem_is_shown_at_once(world, session, app) -> None:
    tomorrow = (today_in_china() + timedelta(days=1)).isoformat()
    before = request_count(session)
    response = world.exporter_client.post(
        world.new_url(),
        data=world.vehicle_form(model="", registration_date=tomorrow, vin=BYD_VIN_MISTYPED),
    )
    page = response.get_data(as_text=True)
    assert "This field is required." in page  # the model, from the form
    assert "in the future" in page  # the registration date, from the vehicle checks
    assert "check digit" in page
    assert "Attach the scan" in page
    assert request_count(session) == before
    assert stored_scans(app) == []


def test_the_scan_is_kept_after_an_error_and_used_on_the_next_try(world, session) -> None:
    scan = pdf_bytes()
    first = world.exporter_client.post(
        world.new_url(),
        data={
            **world.vehicle_form(vin=BYD_VIN_MISTYPED),
            "after": "submit",
            "certificate": upload(scan, "certificate front.pdf"),
        },
        content_type="multipart/form-data",
    )
    page = first.get_data(as_text=True)
    assert first.status_code == 200 and "check digit" in page
    assert "Kept: certificate front.pdf" in page
    token = re.search(r'name="kept_scan" value="([0-9a-f]{32})"', page).group(1)
    assert request_count(session) == 0
    # The corrected form is sent without choosing the file again.
    second = world.exporter_client.post(
        world.new_url(),
        data={**world.vehicle_form(), "after": "submit", "kept_scan": token},
        content_type="multipart/form-data",
    )
    assert second.status_code == 302
    created = session.scalar(sa.select(LetterRequest).where(LetterRequest.vin == BYD_VIN))
    assert created.attachment_filename == "certificate front.pdf"
    assert created.attachment_sha256 == hashlib.sha256(scan).hexdigest()
    detail = world.exporter_client.get(second.location).get_data(as_text=True)
    assert f"Request #{created.id} is submitted to the manufacturer." in detail
    # used up: the token does not give the scan a second time
    third = world.exporter_client.post(
        world.new_url(),
        data={**world.vehicle_form(vin=SAIC_VIN), "kept_scan": token},
        content_type="multipart/form-data",
    )
    assert "Kept:" not in third.get_data(as_text=True)


def test_a_kept_scan_is_replaced_by_a_new_file_and_is_the_senders_own(
    world, session, login_as
) -> None:
    first = world.exporter_client.post(
        world.new_url(),
        data={
            **world.vehicle_form(vin=BYD_VIN_MISTYPED),
            "certificate": upload(pdf_bytes(), "old.pdf"),
        },
        content_type="multipart/form-data",
    )
    token = re.search(r'name="kept_scan" value="([0-9a-f]{32})"', first.get_data(as_text=True))[1]
    colleague = login_as(Role.EXPORTER_USER, org=world.exporter)
    foreign = colleague.post(
        world.new_url(),
        data={**world.vehicle_form(), "after": "submit", "kept_scan": token},
        content_type="multipart/form-data",
    )
    assert "Attach the scan of the Motor Vehicle Registration Certificate." in foreign.get_data(
        as_text=True
    )
    replaced = world.exporter_client.post(
        world.new_url(),
        data={
            **world.vehicle_form(),
            "after": "submit",
            "kept_scan": token,
            "certificate": upload(pdf_bytes(), "new.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert replaced.status_code == 302
    created = session.scalar(sa.select(LetterRequest).where(LetterRequest.vin == BYD_VIN))
    assert created.attachment_filename == "new.pdf"


def test_the_scan_field_offers_the_phone_camera(world) -> None:
    page = world.exporter_client.get(world.new_url()).get_data(as_text=True)
    field = re.search(r'<input [^>]*name="certificate"[^>]*>', page).group(0)
    assert 'accept="image/*,application/pdf"' in field and 'capture="environment"' in field
