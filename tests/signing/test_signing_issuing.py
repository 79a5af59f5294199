"""Choosing the claims form that keeps the QR code scannable."""

from __future__ import annotations

import dataclasses

import pytest
from signing_values import BASE_URL

from portal.signing.errors import QrTooLarge
from portal.signing.issuing import choose_claims_form
from portal.signing.keys import kid_for
from portal.signing.payload import ClaimsForm
from portal.signing.seal import verify_token
from portal.signing.token import decode_token, short_code

RECORD = bytes(range(16))


@pytest.fixture(scope="module")
def resolve(signing_key):
    return {kid_for(signing_key.public_key()): signing_key.public_key()}.get


def test_realistic_letter_is_sealed_in_full_form(claims, signing_key, resolve):
    issued = choose_claims_form(claims, signing_key, BASE_URL, record_digest=RECORD)
    assert issued.form is ClaimsForm.FULL
    assert issued.qr_version <= 12
    assert issued.url == f"HTTPS://PORTAL.EXAMPLE.CN/V/{issued.token}"
    assert decode_token(issued.url) == issued.cose
    assert issued.short_code == short_code(issued.cose)
    assert verify_token(issued.cose, resolve).claims == claims


def test_falls_back_to_compact_form_when_the_full_one_is_too_large(claims, signing_key, resolve):
    issued = choose_claims_form(claims, signing_key, BASE_URL, record_digest=RECORD, max_version=10)
    assert issued.form is ClaimsForm.COMPACT
    assert issued.qr_version <= 10
    assert verify_token(issued.cose, resolve).claims == claims.compact(RECORD)


def test_long_model_names_fall_back_to_compact_form(claims, signing_key):
    wordy = dataclasses.replace(
        claims, brand="比亚迪汽车 BYD Auto", model="海豹06 DM-i 2025款 旗舰型 Seal 06 DM-i Flagship"
    )
    issued = choose_claims_form(wordy, signing_key, BASE_URL, record_digest=RECORD)
    assert issued.form is ClaimsForm.COMPACT
    assert issued.qr_version <= 12


def test_refuses_when_even_the_compact_form_is_too_large(claims, signing_key):
    with pytest.raises(QrTooLarge):
        choose_claims_form(claims, signing_key, BASE_URL, record_digest=RECORD, max_version=6)


def test_compact_form_needs_a_record_digest(claims, signing_key):
    with pytest.raises(ValueError):
        choose_claims_form(claims, signing_key, BASE_URL, record_digest=b"", max_version=10)
