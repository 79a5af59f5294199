"""The offline verdict: seal and key set alone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from signing_values import BASE_URL, ISSUED_AT, key_record, realistic_claims

from portal.signing.keys import generate_signing_key, kid_for
from portal.signing.offline import offline_verdict
from portal.signing.seal import sign_claims
from portal.signing.token import encode_token, verification_url

NOW = datetime(2026, 4, 1, tzinfo=UTC)


def _keyset(*records):
    return {record.kid: record for record in records}


def _token(key, **changes) -> str:
    return encode_token(sign_claims(realistic_claims(**changes), key))


def _codes(notes) -> list[str]:
    return [note.code for note in notes]


def test_valid_token_is_genuine(signing_key):
    verdict = offline_verdict(_token(signing_key), _keyset(key_record(signing_key)), now=NOW)
    assert verdict.genuine
    assert verdict.reason is None
    assert verdict.claims == realistic_claims()
    assert verdict.kid == kid_for(signing_key.public_key())
    assert verdict.key is not None and verdict.key.manufacturer == "BYD"
    assert verdict.warnings == ()


def test_verification_url_is_accepted(signing_key):
    url = verification_url(BASE_URL, _token(signing_key))
    assert offline_verdict(url, _keyset(key_record(signing_key)), now=NOW).genuine


def test_malformed_token(signing_key):
    verdict = offline_verdict("NOT-A-TOKEN!", _keyset(key_record(signing_key)), now=NOW)
    assert not verdict.genuine
    assert verdict.reason is not None and verdict.reason.code == "not_base32"


def test_unknown_key(signing_key, other_key):
    verdict = offline_verdict(_token(other_key), _keyset(key_record(signing_key)), now=NOW)
    assert not verdict.genuine
    assert verdict.reason is not None and verdict.reason.code == "unknown_key"


def test_tampered_token(signing_key):
    token = _token(signing_key)
    tampered = token[:100] + ("A" if token[100] != "A" else "B") + token[101:]
    verdict = offline_verdict(tampered, _keyset(key_record(signing_key)), now=NOW)
    assert not verdict.genuine
    assert verdict.reason is not None
    assert verdict.reason.code in {"signature_invalid", "not_cose", "bad_header", "unknown_key"}


def test_key_revoked_before_issue_is_not_genuine(signing_key):
    record = key_record(signing_key, compromised_at=ISSUED_AT - timedelta(days=1))
    verdict = offline_verdict(_token(signing_key), _keyset(record), now=NOW)
    assert not verdict.genuine
    assert verdict.reason is not None and verdict.reason.code == "key_revoked"
    assert verdict.claims is not None  # still shown, so people see what was forged


def test_key_revoked_at_the_issue_second_is_not_genuine(signing_key):
    record = key_record(signing_key, compromised_at=ISSUED_AT)
    assert not offline_verdict(_token(signing_key), _keyset(record), now=NOW).genuine


def test_key_revoked_after_issue_stays_genuine_with_a_warning(signing_key):
    record = key_record(signing_key, compromised_at=ISSUED_AT + timedelta(days=1))
    verdict = offline_verdict(_token(signing_key), _keyset(record), now=NOW)
    assert verdict.genuine
    assert _codes(verdict.warnings) == ["key_revoked_later"]


def test_letter_issued_before_its_key_existed_is_not_genuine(signing_key):
    record = key_record(signing_key, valid_from=ISSUED_AT + timedelta(hours=1))
    verdict = offline_verdict(_token(signing_key), _keyset(record), now=NOW)
    assert not verdict.genuine
    assert verdict.reason is not None and verdict.reason.code == "before_key_valid"


def test_letter_naming_another_manufacturer_is_not_genuine(signing_key):
    verdict = offline_verdict(
        _token(signing_key, manufacturer="NIO", brand="NIO"),
        _keyset(key_record(signing_key)),
        now=NOW,
    )
    assert not verdict.genuine
    assert verdict.reason is not None and verdict.reason.code == "manufacturer_mismatch"


def test_expired_letter_is_genuine_with_a_warning(signing_key):
    # Validity is counted in China's calendar: 2026-07-20 begins at 16:00 UTC on the 19th.
    later = datetime(2026, 7, 19, 16, 0, tzinfo=UTC)
    verdict = offline_verdict(_token(signing_key), _keyset(key_record(signing_key)), now=later)
    assert verdict.genuine
    assert _codes(verdict.warnings) == ["expired"]
    on_last_day = datetime(2026, 7, 19, 15, 59, tzinfo=UTC)
    assert not offline_verdict(
        _token(signing_key), _keyset(key_record(signing_key)), now=on_last_day
    ).warnings


def test_letter_from_the_future_is_flagged(signing_key):
    early = ISSUED_AT - timedelta(hours=1)
    verdict = offline_verdict(_token(signing_key), _keyset(key_record(signing_key)), now=early)
    assert verdict.genuine
    assert _codes(verdict.warnings) == ["issued_in_future"]


def test_compact_form_is_genuine_with_a_note(signing_key):
    token = encode_token(sign_claims(realistic_claims().compact(bytes(16)), signing_key))
    verdict = offline_verdict(token, _keyset(key_record(signing_key)), now=NOW)
    assert verdict.genuine
    assert verdict.form is not None and verdict.form.value == "compact"
    assert _codes(verdict.warnings) == ["compact"]


def test_verdict_as_json(signing_key):
    verdict = offline_verdict(_token(signing_key), _keyset(key_record(signing_key)), now=NOW)
    data = json.loads(json.dumps(verdict.to_dict(), ensure_ascii=False))
    assert data["genuine"] is True
    assert data["form"] == "full"
    assert data["kid"] == kid_for(signing_key.public_key()).hex()
    assert data["manufacturer_name"] == "比亚迪汽车工业有限公司"
    assert data["claims"]["vin"] == "LGXCE4CB8N0123456"
    assert data["claims"]["issued_at"] == "2026-03-02T09:15:30Z"
    assert data["claims"]["registration_date"] == "2026-01-20"
    assert len(data["claims"]["outlets_digest"]) == 32


def test_not_genuine_as_json():
    data = offline_verdict("", {}, now=NOW).to_dict()
    assert data["genuine"] is False
    assert data["reason"]["code"] == "empty"
    assert data["claims"] is None


@pytest.fixture(scope="module")
def known(signing_key):
    return _keyset(key_record(signing_key))


@given(st.text(max_size=400))
def test_random_text_gives_a_verdict(known, text):
    assert not offline_verdict(text, known, now=NOW).genuine


def test_a_forged_key_with_a_reused_kid_cannot_pass(signing_key):
    # Someone publishes their own key under BYD's kid: the key set refuses the pairing, and a
    # token signed with their key does not verify against BYD's published key.
    forger = generate_signing_key()
    token = _token(forger)
    with pytest.raises(ValueError, match="kid"):
        key_record(forger, kid=kid_for(signing_key.public_key()))
    verdict = offline_verdict(token, _keyset(key_record(signing_key)), now=NOW)
    assert not verdict.genuine
