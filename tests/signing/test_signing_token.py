"""Token text, verification URLs and short codes."""

from __future__ import annotations

import base64
import contextlib
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from signing_values import BASE_URL

from portal.signing.errors import TokenError
from portal.signing.seal import sign_claims
from portal.signing.token import (
    CROCKFORD,
    QR_ALPHANUMERIC,
    decode_token,
    encode_token,
    normalise_short_code,
    short_code,
    verification_url,
)


@pytest.fixture
def cose(claims, signing_key) -> bytes:
    return sign_claims(claims, signing_key)


def test_token_is_unpadded_upper_case_base32(cose):
    token = encode_token(cose)
    assert re.fullmatch(r"[A-Z2-7]+", token)
    assert base64.b32decode(token + "=" * (-len(token) % 8)) == cose
    assert decode_token(token) == cose


@pytest.mark.parametrize(
    "spelling",
    [
        lambda t: t.lower(),
        lambda t: f"  {t}\n",
        lambda t: f"https://portal.example.cn/V/{t}",
        lambda t: f"HTTPS://PORTAL.EXAMPLE.CN/V/{t}",
        lambda t: f"https://portal.example.cn/v/{t.lower()}",
        lambda t: f"https://portal.example.cn/V/{t}/",
        lambda t: f"http://localhost:5000/V/{t}",
        lambda t: f"https://portal.example.cn/letters/V/{t}",
        lambda t: f"/V/{t}",
    ],
)
def test_tolerated_spellings_decode(cose, spelling):
    assert decode_token(spelling(encode_token(cose))) == cose


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("AE======", "not_base32"),
        ("AE01", "not_base32"),
        ("AEB8", "not_base32"),
        ("AEBſ", "not_base32"),  # the long s upper-cases to S
        ("AEÄ", "not_base32"),
        ("A", "not_base32"),  # one symbol cannot end a byte
        ("AEB", "not_base32"),
        ("AEBAGB", "not_base32"),
        ("AF", "not_base32"),  # spare bits set: "AE" is the one spelling of b"\x01"
        ("AE BA", "not_base32"),
        ("https://portal.example.cn/X/AEBA", "bad_url"),
        ("https://portal.example.cn/V/AEBA?x=1", "bad_url"),
        ("https://portal.example.cn/V/AEBA#frag", "bad_url"),
        ("ftp://portal.example.cn/V/AEBA", "bad_url"),
        ("https://portal.example.cn/V/", "bad_url"),
        ("A" * 1700, "too_long"),
        ("A" * 5000, "too_long"),
    ],
)
def test_malformed_tokens_are_refused(text, code):
    with pytest.raises(TokenError) as excinfo:
        decode_token(text)
    assert excinfo.value.code == code


def test_non_text_is_refused():
    with pytest.raises(TokenError):
        decode_token(b"AEBA")  # type: ignore[arg-type]


@given(st.binary(max_size=200))
def test_any_bytes_round_trip_through_a_token(data):
    if data:
        assert decode_token(encode_token(data)) == data


@given(st.text(max_size=300))
def test_random_text_raises_only_token_errors(text):
    with contextlib.suppress(TokenError):
        decode_token(text)


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567abcxyz/:.V= -", max_size=120))
def test_random_token_like_text_raises_only_token_errors(text):
    with contextlib.suppress(TokenError):
        decode_token(text)


def test_verification_url_is_upper_case_and_alphanumeric(cose):
    token = encode_token(cose)
    url = verification_url(BASE_URL, token)
    assert url == f"HTTPS://PORTAL.EXAMPLE.CN/V/{token}"
    assert set(url) <= QR_ALPHANUMERIC
    assert verification_url(BASE_URL + "/", token) == url
    assert decode_token(url) == cose


@pytest.mark.parametrize(
    "base_url",
    [
        "portal.example.cn",
        "ftp://portal.example.cn",
        "https://portal.example.cn/?q=1",
        "https://portal_example.cn",  # "_" is outside the QR alphanumeric set
        "https://порт.example.cn",
    ],
)
def test_verification_url_refuses_unusable_base_urls(base_url):
    with pytest.raises(ValueError):
        verification_url(base_url, "AEBA")


def test_verification_url_refuses_a_non_token():
    with pytest.raises(ValueError):
        verification_url(BASE_URL, "aeba")


def test_short_code_shape_and_determinism(cose, claims, other_key):
    code = short_code(cose)
    assert re.fullmatch(f"[{CROCKFORD}]{{5}}-[{CROCKFORD}]{{5}}", code)
    assert short_code(cose) == code
    assert short_code(sign_claims(claims, other_key)) != code


def test_short_code_is_the_top_fifty_bits_of_sha256():
    # SHA-256 of b"" starts e3b0c442 98fc...: its top 50 bits in Crockford base32.
    bits = int("e3b0c44298fc1c14", 16) >> 14
    expected = "".join(CROCKFORD[(bits >> (5 * i)) & 31] for i in reversed(range(10)))
    assert short_code(b"") == f"{expected[:5]}-{expected[5:]}"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ABCDE-FGH12", "ABCDE-FGH12"),
        ("abcde fgh12", "ABCDE-FGH12"),
        ("ABCDEFGH12", "ABCDE-FGH12"),
        (" ab-cde-fgh-12 ", "ABCDE-FGH12"),
        ("OoIiL-lQQ00", "00111-1QQ00"),
    ],
)
def test_normalise_short_code(typed, expected):
    assert normalise_short_code(typed) == expected


@pytest.mark.parametrize(
    "typed", ["", "ABCDE-FGH1", "ABCDE-FGH123", "ABCDE-FGHU2", "ABCDE-FGH1ſ", "ABCDE_FGH12"]
)
def test_normalise_short_code_refuses_non_codes(typed):
    with pytest.raises(TokenError, match="bad_short_code"):
        normalise_short_code(typed)


@given(st.binary(min_size=1, max_size=64), st.data())
def test_typed_short_codes_normalise_back(cose, data):
    code = short_code(cose)
    confusions = {"0": "oO0", "1": "iIlL1"}
    typed = "".join(
        data.draw(st.sampled_from(confusions.get(c, c + c.lower()))) if c != "-" else " "
        for c in code
    )
    assert normalise_short_code(typed) == code


@given(st.text(max_size=80))
def test_random_short_codes_raise_only_token_errors(text):
    with contextlib.suppress(TokenError):
        normalise_short_code(text)
