"""The scan log: every verification recorded with its channel, a truncated network and the
country of the browser's language; manufacturers see their letters' scans, flagged when
unusually frequent, and nobody else's."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from portal.accounts.roles import OrgKind, Role
from portal.verification.models import Channel, VerificationScan
from portal.verification.scans import country_of_languages, truncated_network
from tests.verification.conftest import flip_bit, path_of


def _scans(session, letter=None) -> list[VerificationScan]:
    query = sa.select(VerificationScan).order_by(VerificationScan.id)
    if letter is not None:
        query = query.where(VerificationScan.letter_id == letter.id)
    return list(session.scalars(query))


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:1234:5678::1", "2001:db8:1234::/48"),
        ("::ffff:198.51.100.9", "198.51.100.0/24"),
        ("not an address", ""),
        (None, ""),
    ],
)
def test_only_the_network_is_kept(address, network):
    assert truncated_network(address) == network


@pytest.mark.parametrize(
    ("languages", "country"),
    [
        (["ru-RU", "en"], "RU"),
        (["zh-Hans-CN"], "CN"),
        (["es-419", "es-MX"], "MX"),
        (["fr", "en-GB"], "GB"),
        (["ar"], ""),
        (["en-ZZ"], ""),
        ([], ""),
    ],
)
def test_the_country_comes_from_the_browser_language(languages, country):
    assert country_of_languages(languages) == country


def test_each_channel_is_recorded(issue, issuing, client, session):
    letter = issue()
    headers = {"Accept-Language": "kk-KZ,ru;q=0.8"}
    environ = {"REMOTE_ADDR": "203.0.113.77"}
    client.get(path_of(letter), headers=headers, environ_base=environ)
    typed = {"number": letter.number, "code": letter.short_code}
    client.post("/verify/code", data=typed, follow_redirects=True)
    client.post(
        "/verify/pdf",
        data={"file": (io.BytesIO(issuing.store.get(letter.pdf_key)), "l.pdf")},
        content_type="multipart/form-data",
    )
    client.post("/api/v1/verify", json={"token": letter.token})
    scans = _scans(session, letter)
    assert [s.channel for s in scans] == [Channel.QR, Channel.CODE, Channel.PDF, Channel.API]
    assert {s.verdict for s in scans} == {"valid"}
    assert scans[0].country == "KZ" and scans[0].language == "kk-KZ"
    assert scans[0].network == "203.0.113.0/24"
    assert all(s.manufacturer_id == letter.manufacturer_id for s in scans)


def test_a_head_request_is_not_a_verification(issue, client, session):
    letter = issue()
    assert client.head(path_of(letter)).status_code == 200
    assert _scans(session, letter) == []


def test_an_unreadable_code_is_recorded_without_a_letter(client, session):
    client.get("/V/ABCDEFGH")
    (scan,) = _scans(session)
    assert scan.verdict == "cannot_check" and scan.reason == "unreadable"
    assert scan.letter_id is None and scan.manufacturer_id is None


def test_the_manufacturer_sees_how_often_and_when(issue, issuing, client, login_as):
    letter = issue()
    for _ in range(3):
        client.get(path_of(letter), headers={"Accept-Language": "ru-RU"})
    page = login_as(issuing.issuer).get(f"/letters/{letter.id}").get_data(as_text=True)
    assert "Verified 3 times, 3 of them in the last 7 days." in page
    assert page.count("<td>RU</td>") == 3
    assert "verified unusually often" not in page


def test_letters_verified_unusually_often_are_flagged(issue, issuing, client, login_as, app):
    app.config.update(VERIFICATION_FLAG_COUNT=5, VERIFICATION_FLAG_DAYS=7)
    busy, calm = issue(), issue()
    for _ in range(5):
        client.get(path_of(busy))
    client.get(path_of(calm))
    viewer = login_as(Role.MANUFACTURER_VIEWER, org=issuing.manufacturer)
    overview = viewer.get("/verifications").get_data(as_text=True)
    assert overview.index(busy.number) < overview.index(calm.number)
    assert overview.count("verified unusually often") == 1
    detail = viewer.get(f"/letters/{busy.id}").get_data(as_text=True)
    assert "verified unusually often" in detail


def test_nobody_else_sees_a_letters_scans(issue, issuing, client, login_as, make):
    letter = issue()
    client.get(path_of(letter))
    other = make.organisation(OrgKind.MANUFACTURER)
    stranger = login_as(Role.MANUFACTURER_ADMIN, org=other)
    assert letter.number not in stranger.get("/verifications").get_data(as_text=True)
    assert stranger.get(f"/letters/{letter.id}").status_code == 404
    exporter = login_as(Role.EXPORTER_USER, org=issuing.exporter)
    assert exporter.get("/verifications").status_code == 403
    assert "Verifications" not in exporter.get(f"/letters/{letter.id}").get_data(as_text=True)


def test_a_forgery_naming_a_manufacturers_key_is_shown_to_that_manufacturer(
    issue, issuing, client, session, login_as, make
):
    letter = issue()
    # The last byte is the signature's.
    client.get(f"/V/{flip_bit(letter.token, -1)}", headers={"Accept-Language": "ru-RU"})
    (scan,) = _scans(session)
    assert scan.verdict == "not_genuine" and scan.reason == "signature_invalid"
    assert scan.letter_id is None and scan.manufacturer_id == letter.manufacturer_id
    page = login_as(issuing.issuer).get("/verifications").get_data(as_text=True)
    assert "Refused checks in your name" in page
    assert '<span class="badge red">1</span> refused checks' in page
    assert "The digital signature does not match the data" in page and "<td>RU</td>" in page
    other = make.organisation(OrgKind.MANUFACTURER)
    stranger = login_as(Role.MANUFACTURER_ISSUER, org=other).get("/verifications")
    assert "No refused check named your keys in this time." in stranger.get_data(as_text=True)
