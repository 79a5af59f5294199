"""The field checks shared by the form and the CSV import (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from portal import countries
from portal.outlets import validation as check
from portal.outlets.values import InvalidOutlet, parse_values

BRANDS = {"huaxia": 1, "huaxia ev": 2}


def _raw(**fields):
    row = {
        "country": "DE",
        "city": "Berlin",
        "name_local": "Autohaus Mitte",
        "name_latin": "Autohaus Mitte",
        "address": "Invalidenstraße 1",
        "postcode": "10115",
        "phone": "030 1234567",
        "email": "",
        "website": "",
        "contact_person": "",
        "service_types": "repair",
        "brands": "Huaxia",
        "active_from": "2026-01-01",
        "active_until": "",
        "latitude": "",
        "longitude": "",
    }
    row.update(fields)
    return row


def _fields_refused(**fields) -> dict[str, str]:
    with pytest.raises(InvalidOutlet) as caught:
        parse_values(_raw(**fields), brands=BRANDS)
    return {error.field: error.message for error in caught.value.errors}


def test_a_valid_record_is_normalised():
    values = parse_values(
        _raw(
            country=" de ",
            phone="030 1234567",
            email="Service@Autohaus.Example",
            website="autohaus.example",
            service_types="warranty; REPAIR;repair",
            brands="huaxia ev;Huaxia",
            latitude="52.5200081",
            longitude="-13.4",
        ),
        brands=BRANDS,
    )
    assert values.country == "DE"
    assert values.phone == "+49301234567"
    assert values.email == "service@autohaus.example"
    assert values.website == "https://autohaus.example"
    assert values.service_types == ("repair", "warranty")
    assert values.brands == (1, 2)
    assert values.active_from == date(2026, 1, 1) and values.active_until is None
    assert (values.latitude, values.longitude) == (52.520008, -13.4)


def test_unknown_country_code():
    assert "XX is not an ISO 3166-1 country code" in _fields_refused(country="XX")["country"]
    assert "country" in _fields_refused(country="Germany")


def test_phone_is_read_in_the_outlets_country():
    assert check.phone_e164("0612345678", region="FR") == "+33612345678"
    assert check.phone_e164("+49 30 1234567", region="FR") == "+49301234567"
    assert "not a valid phone number in DE" in _fields_refused(phone="12")["phone"]
    assert "phone" in _fields_refused(phone="call us")
    assert "phone" in _fields_refused(phone="")


def test_invalid_email_and_website():
    assert "not an email address" in _fields_refused(email="service@")["email"]
    assert "email" in _fields_refused(email="a b@example.com")
    for bad in ("javascript:alert(1)", "ftp://example.com", "https://user:pw@example.com", "x"):
        assert "website" in _fields_refused(website=bad), bad


def test_active_until_before_active_from():
    message = _fields_refused(active_from="2026-05-02", active_until="2026-05-01")["active_until"]
    assert "2026-05-01" in message and "before the first day (2026-05-02)" in message
    # One day is a valid period.
    parse_values(_raw(active_from="2026-05-01", active_until="2026-05-01"), brands=BRANDS)


def test_dates_must_be_iso():
    assert "YYYY-MM-DD" in _fields_refused(active_from="01/05/2026")["active_from"]
    assert "active_from" in _fields_refused(active_from="2026-02-30")


def test_a_brand_the_manufacturer_does_not_have():
    assert "Tesla is not a brand of this manufacturer" in _fields_refused(brands="Tesla")["brands"]
    assert "brands" in _fields_refused(brands="")


def test_unknown_or_missing_service_types():
    assert (
        "Unknown service type teleportation"
        in _fields_refused(service_types="repair;teleportation")["service_types"]
    )
    assert "service_types" in _fields_refused(service_types=" ; ")


@pytest.mark.parametrize("field", ["name_local", "name_latin", "city", "address"])
@pytest.mark.parametrize(
    "value", ["<b>Autohaus</b>", "Auto<script>", "Autohaus &amp; Co", "Auto&#x202E;haus"]
)
def test_markup_in_names_is_refused(field, value):
    assert "markup" in _fields_refused(**{field: value})[field]


@pytest.mark.parametrize(
    "char",
    ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"],
)
def test_direction_overrides_are_refused(char):
    message = _fields_refused(name_local=f"Auto{char}haus")["name_local"]
    assert f"U+{ord(char):04X}" in message


def test_control_characters_are_refused_but_rtl_marks_and_scripts_allowed():
    assert "control character" in _fields_refused(city="Ber\x00lin")["city"]
    values = parse_values(
        _raw(name_local="مركز خدمة\u200f الرياض", country="SA", phone="+966112345678"),
        brands=BRANDS,
    )
    assert values.name_local.startswith("مركز")


def test_latin_name_must_be_latin():
    assert "Latin letters" in _fields_refused(name_latin="Автосервис")["name_latin"]
    parse_values(_raw(name_latin="Škoda Servis Łódź"), brands=BRANDS)


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("city", 120),
        ("name_local", 200),
        ("name_latin", 200),
        ("address", 400),
        ("contact_person", 120),
        ("postcode", 20),
        ("website", 300),
    ],
)
def test_over_long_fields(field, limit):
    value = "a" * (limit + 1) if field != "website" else "https://example.com/" + "a" * limit
    assert "Too long" in _fields_refused(**{field: value})[field]


def test_coordinates_both_or_neither_and_in_range():
    assert "longitude" in _fields_refused(latitude="52.5", longitude="")
    assert "between -90 and 90" in _fields_refused(latitude="91", longitude="0")["latitude"]
    assert "longitude" in _fields_refused(latitude="0", longitude="181")
    assert "latitude" in _fields_refused(latitude="52,5", longitude="13.4")


def test_every_problem_of_a_record_is_reported_in_column_order():
    refused = _fields_refused(country="XX", email="nope", active_from="soon")
    assert list(refused) == ["country", "email", "active_from"]
    refused = _fields_refused(country="XX", phone="+1 2")
    assert list(refused) == ["country", "phone"]


def test_outlet_code():
    assert check.outlet_code(" de-ber-01 ") == "DE-BER-01"
    for bad in ("", "-A", "A B", "A" * 41, "<A>"):
        with pytest.raises(check.FieldError):
            check.outlet_code(bad)


def test_country_names_in_english_and_chinese():
    assert countries.label("DE") == "DE · Germany · 德国"
    assert countries.country_name("FR", "zh_Hans") == "法国"
    assert countries.country_name("FR", "en") == "France"
    assert ("DE", "DE · Germany · 德国") in countries.choices()


@pytest.mark.parametrize(
    "name",
    [
        "مركز خدمة دبي",
        "مرکز خدمات تهران",
        "מרכז שירות",
        "სერვის ცენტრი",
        "Սպասարկման կենտրոն",
        "ศูนย์บริการ",
        "ສູນບໍລິການ",
        "មជ្ឈមណ្ឌលសេវាកម្ម",
        "ဝန်ဆောင်မှုစင်တာ",
        "ᠦᠢᠯᠡᠴᠢᠯᠡᠭᠡ",
        "सेवा केंद्र",
        "Trung tâm dịch vụ Hà Nội",
        "Сервисный центр",
        "比亚迪服务中心",
    ],
)
def test_names_in_every_letter_script_are_accepted(name):
    assert check.plain_text(name, field="name_local", max_length=200) == name
