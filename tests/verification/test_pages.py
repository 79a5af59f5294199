"""The public pages as a person meets them: the QR code on the printed letter opens its
verdict, the page is small and self-contained, the manual check works, and the verdict
speaks the reader's language (Arabic right to left)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import zxingcpp

from tests.letters.pdfcheck import render_page
from tests.verification.conftest import path_of

PAGE_BUDGET = 50 * 1024


def test_the_qr_code_printed_on_the_letter_opens_its_verdict(issue, issuing, client):
    letter = issue()
    image = render_page(issuing.store.get(letter.pdf_key), 0)
    (code,) = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    url = urlsplit(code.text)
    assert url.netloc == "PORTAL.EXAMPLE.CN"
    page = client.get(url.path).get_data(as_text=True)
    assert 'data-verdict="valid"' in page and letter.vin in page


def _assets(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', page)


def test_the_page_is_small_and_needs_nothing_from_elsewhere(issue, client):
    page = client.get(path_of(issue())).get_data()
    assets = _assets(page.decode())
    for target in assets:
        assert target.startswith(("/", "#", "tel:", "mailto:")), target
    loaded = [a for a in assets if a.startswith("/static/")]
    assert loaded, "the page loads its stylesheet"
    total = len(page) + sum(len(client.get(a).get_data()) for a in set(loaded))
    assert total < PAGE_BUDGET, total
    assert b'name="viewport"' in page
    response = client.get(path_of(issue()))
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert response.headers["Cache-Control"] == "no-store"


def test_the_manual_check_by_number_and_code(issue, client):
    letter = issue()
    typed = {"number": f" {letter.number.lower()} ", "code": letter.short_code.replace("-", " ")}
    response = client.post("/verify/code", data=typed)
    # The verdict gets an address of its own, which can be shared or reloaded.
    assert response.status_code == 303
    assert response.headers["Location"] == f"/V/{letter.token}?via=code"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-verdict="valid"' in page and letter.vin in page
    wrong = {"number": letter.number, "code": "ZZZZZ-ZZZZZ"}
    page = client.post("/verify/code", data=wrong).get_data(as_text=True)
    assert 'data-verdict="cannot_check"' in page and "Retype the letter number" in page
    assert "No letter has this number and verification code." in page
    assert letter.vin not in page


def test_the_check_page_offers_every_way_in(client):
    page = client.get("/verify").get_data(as_text=True)
    for action in ("/verify/code", "/verify/pdf", "/verify/token", "/api/v1/openapi.json"):
        assert action in page
    response = client.post("/verify/code", data={"number": "", "code": ""})
    assert response.status_code == 400
    assert "Type the letter number printed under the QR code." in response.get_data(as_text=True)


def test_a_pasted_url_is_checked(issue, client):
    letter = issue()
    pasted = {"token": f" https://portal.example.cn/v/{letter.token.lower()} "}
    response = client.post("/verify/token", data=pasted, follow_redirects=True)
    assert response.request.path == f"/V/{letter.token}"
    assert 'data-verdict="valid"' in response.get_data(as_text=True)
    garbage = client.post("/verify/token", data={"token": "not a code"})
    assert garbage.status_code == 200
    assert 'data-verdict="cannot_check"' in garbage.get_data(as_text=True)


@pytest.mark.parametrize(
    ("header", "title", "field", "lang"),
    [
        ("ru-RU,ru;q=0.9", "Подлинное и действительное", "Страна назначения", "ru"),
        ("es-ES", "Auténtica y válida", "País de destino", "es"),
        ("fr-FR,fr;q=0.9", "Authentique et valide", "Pays de destination", "fr"),
        ("ar-EG", "أصلية وسارية", "بلد الوجهة", "ar"),
        ("zh-CN", "真实有效", "目的国", "zh-Hans"),
        ("en-US", "Genuine and valid", "Destination country", "en"),
    ],
)
def test_the_verdict_speaks_the_readers_language(issue, client, header, title, field, lang):
    page = client.get(path_of(issue()), headers={"Accept-Language": header}).get_data(as_text=True)
    assert title in page and field in page
    assert f'lang="{lang}"' in page
    assert ('dir="rtl"' in page) == (lang == "ar")


def test_the_switch_offers_six_languages_here_and_two_elsewhere(issue, client):
    letter = issue()
    page = client.get(path_of(letter)).get_data(as_text=True)
    for name in ("Русский", "Español", "Français", "العربية", "简体中文"):
        assert name in page
    client.get("/language/ar")
    assert 'dir="rtl"' in client.get(path_of(letter)).get_data(as_text=True)
    login = client.get("/login").get_data(as_text=True)
    assert 'dir="ltr"' in login and "العربية" not in login and "Sign in" in login


def test_the_page_links_to_the_public_directory_once_published(issue, client, session):
    letter = issue()
    page = client.get(path_of(letter)).get_data(as_text=True)
    directory = f'href="/directory/{letter.manufacturer.short_code}/{letter.country}"'
    assert directory not in page  # not published: no link to a page that says 404
    letter.manufacturer.outlet_directory_public = True
    session.flush()
    page = client.get(path_of(letter)).get_data(as_text=True)
    assert directory in page
    listed = client.get(f"/directory/{letter.manufacturer.short_code}/{letter.country}")
    assert listed.status_code == 200
