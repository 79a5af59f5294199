"""QR codes of verification URLs, read back with a real decoder."""

from __future__ import annotations

import io

import pytest
import qrcode
import qrcode.constants
import zxingcpp
from PIL import Image
from qrcode.util import MODE_8BIT_BYTE, QRData
from signing_values import BASE_URL

from portal.signing.errors import QrTooLarge
from portal.signing.qr import qr_matrix, qr_png, qr_version
from portal.signing.seal import sign_claims
from portal.signing.token import encode_token, verification_url


@pytest.fixture
def url(claims, signing_key) -> str:
    """The verification URL of the realistic letter in full form."""
    return verification_url(BASE_URL, encode_token(sign_claims(claims, signing_key)))


def _read(png: bytes) -> list:
    # QR codes only: searched for every format, a random-looking symbol now and then also
    # yields a spurious linear barcode as well (seen once: one reading "3831").
    return zxingcpp.read_barcodes(
        Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormat.QRCode
    )


def _byte_mode_version(url: str) -> int:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(QRData(url.encode("ascii"), mode=MODE_8BIT_BYTE))
    return code.best_fit()


def test_realistic_letter_decodes_back_to_its_url(url):
    image = qr_png(url)
    assert image.version <= 12
    results = _read(image.png)
    assert [r.text for r in results] == [url]
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode
    assert results[0].ec_level == "M"
    assert results[0].extra["Version"] == str(image.version)


def test_compact_letter_decodes_back_to_its_url(claims, signing_key):
    compact = sign_claims(claims.compact(bytes(16)), signing_key)
    url = verification_url(BASE_URL, encode_token(compact))
    image = qr_png(url)
    assert image.version <= 10
    assert [r.text for r in _read(image.png)] == [url]


def test_alphanumeric_mode_is_used(url):
    # In byte mode the same URL needs a clearly larger symbol.
    assert qr_version(url) < _byte_mode_version(url)
    assert qr_png(url).version == qr_version(url)


def test_image_geometry(url):
    image = qr_png(url, box_size=3, border=2)
    assert image.modules == 17 + 4 * image.version
    with Image.open(io.BytesIO(image.png)) as picture:
        assert picture.size == ((image.modules + 4) * 3,) * 2
    assert [r.text for r in _read(image.png)] == [url]


def test_matrix_matches_the_image(url):
    matrix = qr_matrix(url)
    image = qr_png(url, box_size=1, border=0)
    assert len(matrix) == image.modules
    assert all(len(row) == image.modules for row in matrix)
    with Image.open(io.BytesIO(image.png)) as picture:
        pixels = picture.convert("L")
        dark = [[pixels.getpixel((x, y)) < 128 for x in range(image.modules)] for y in range(7)]
    assert [list(row) for row in matrix[:7]] == dark
    assert matrix[0][:7] == (True,) * 7  # the top of the upper-left finder pattern


def test_version_above_the_maximum_is_refused(url):
    with pytest.raises(QrTooLarge) as excinfo:
        qr_png(url, max_version=5)
    assert excinfo.value.version == qr_version(url, max_version=40)
    assert excinfo.value.max_version == 5
    with pytest.raises(QrTooLarge):
        qr_version(url, max_version=5)


def test_data_beyond_version_40_is_refused():
    with pytest.raises(QrTooLarge):
        qr_version("A" * 5000, max_version=40)


@pytest.mark.parametrize("bad", ["", "https://portal.example.cn/V/ABC", "HTTPS://X/V/A_B"])
def test_urls_outside_the_alphanumeric_set_are_refused(bad):
    with pytest.raises(ValueError):
        qr_png(bad)
