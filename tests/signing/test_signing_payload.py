"""The sealed claims: a CWT claims set (version 2) and the integer-keyed map older letters carry
(version 1), canonical CBOR, full and compact forms."""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone

import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st
from signing_values import ISSUED_AT, realistic_claims

from portal.signing.errors import TokenError
from portal.signing.payload import (
    ClaimsForm,
    CompactClaims,
    LetterClaims,
    canonical_digest,
    decode_claims,
    encode_claims,
    truncated_digest,
)

DIGEST = bytes(range(16))
RECORD = bytes(range(16, 32))
# The encoding of realistic_claims(outlets_digest=DIGEST): a change here breaks every token
# already printed, so it must only ever change together with the version number.
GOLDEN_FULL = bytes.fromhex(
    "ac0101026f4259442d323032362d303030313233036342594404714c47584345344342384e3031323334"
    "3536056342594406715365616c20303620444d2d69203230323507194ff908624b5a0972393134343033"
    "30304d4135473259384b33540a50000102030405060708090a0b0c0d0e0f0b1a69a555320c1950ad"
)
GOLDEN_COMPACT = bytes.fromhex(
    "a70101026f4259442d323032362d30303031323304714c47584345344342384e3031323334353608624b"
    "5a0b1a69a555320c1950ad0d50101112131415161718191a1b1c1d1e1f"
)
# The same letter as a CWT claims set (version 2): iss, exp, iat and the letter claim -65537.
GOLDEN_CWT_FULL = bytes.fromhex(
    "a40163425944041a6a5cf480061a69a555323a00010000a90102026f4259442d323032362d303030313233"
    "03714c47584345344342384e3031323334353604624b5a056342594406715365616c20303620444d2d6920"
    "3230323507194ff9087239313434303330304d4135473259384b33540950000102030405060708090a0b0c"
    "0d0e0f"
)
GOLDEN_CWT_COMPACT = bytes.fromhex(
    "a40163425944041a6a5cf480061a69a555323a00010000a50102026f4259442d323032362d303030313233"
    "03714c47584345344342384e3031323334353604624b5a0a50101112131415161718191a1b1c1d1e1f"
)


def _legacy(**changes):
    return realistic_claims(version=1, **changes)


def _raw(claims) -> dict:
    return cbor2.loads(encode_claims(claims))


def _encode(fields: dict) -> bytes:
    return cbor2.dumps(fields, canonical=True)


def test_full_claims_round_trip(claims):
    decoded = decode_claims(encode_claims(claims))
    assert decoded == claims
    assert decoded.form is ClaimsForm.FULL


def test_compact_claims_round_trip(claims):
    compact = claims.compact(RECORD)
    decoded = decode_claims(encode_claims(compact))
    assert decoded == compact
    assert isinstance(decoded, CompactClaims)
    assert decoded.form is ClaimsForm.COMPACT
    assert (decoded.number, decoded.vin, decoded.country) == (claims.number, claims.vin, "KZ")
    assert (decoded.issued_at, decoded.valid_until) == (claims.issued_at, claims.valid_until)


def test_encoding_matches_the_golden_bytes():
    claims = _legacy(outlets_digest=DIGEST)
    assert encode_claims(claims) == GOLDEN_FULL
    assert encode_claims(claims.compact(RECORD)) == GOLDEN_COMPACT
    assert decode_claims(GOLDEN_FULL) == claims
    current = realistic_claims(outlets_digest=DIGEST)
    assert encode_claims(current) == GOLDEN_CWT_FULL
    assert encode_claims(current.compact(RECORD)) == GOLDEN_CWT_COMPACT
    assert decode_claims(GOLDEN_CWT_FULL) == current
    assert decode_claims(GOLDEN_CWT_COMPACT) == current.compact(RECORD)


def test_the_current_form_is_a_cwt_claims_set(claims):
    raw = _raw(claims)
    assert sorted(raw, key=abs) == [1, 4, 6, -65537]
    assert raw[1] == "BYD"  # iss
    assert raw[6] == int(ISSUED_AT.timestamp())  # iat
    # exp: the end of 2026-07-19 in China, 2026-07-19T16:00:00Z
    assert raw[4] == int(datetime(2026, 7, 19, 16, 0, tzinfo=UTC).timestamp())
    letter = raw[-65537]
    assert sorted(letter) == list(range(1, 10))
    assert letter[1] == 2 and letter[2] == "BYD-2026-000123" and letter[3] == "LGXCE4CB8N0123456"
    assert sorted(_raw(claims.compact(RECORD))[-65537]) == [1, 2, 3, 4, 10]
    assert claims.compact(RECORD).manufacturer == "BYD"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda f: f.update({2: "sub"}), "bad_claims"),
        (lambda f: f.update({1: 7}), "bad_claims"),  # iss is text
        (lambda f: f.update({4: f[4] + 1}), "bad_claims"),  # exp not a midnight in China
        (lambda f: f.update({6: -1}), "bad_claims"),
        (lambda f: f[-65537].update({1: 1}), "bad_version"),
        (lambda f: f[-65537].update({11: 1}), "bad_claims"),
        (lambda f: f[-65537].pop(5), "bad_claims"),
        (lambda f: f.update({-65537: [1]}), "bad_claims"),
        (lambda f: f.pop(1), "bad_claims"),
    ],
)
def test_decoding_refuses_altered_claims_sets(claims, change, code):
    fields = _raw(claims)
    change(fields)
    with pytest.raises(TokenError) as excinfo:
        decode_claims(_encode(fields))
    assert excinfo.value.code == code


def test_equal_claims_give_equal_bytes(claims):
    assert encode_claims(claims) == encode_claims(dataclasses.replace(claims))
    assert encode_claims(claims) == encode_claims(realistic_claims())


def test_version_1_key_table_and_value_encodings():
    claims = _legacy()
    raw = _raw(claims)
    assert sorted(raw) == list(range(1, 13))
    assert raw[1] == 1
    assert raw[2] == "BYD-2026-000123" and raw[3] == "BYD" and raw[4] == "LGXCE4CB8N0123456"
    assert raw[7] == (date(2026, 1, 20) - date(1970, 1, 1)).days
    assert raw[11] == int(ISSUED_AT.timestamp())
    assert raw[12] == (date(2026, 7, 19) - date(1970, 1, 1)).days
    assert sorted(_raw(claims.compact(RECORD))) == [1, 2, 4, 8, 11, 12, 13]


def test_full_form_may_carry_the_record_digest(claims):
    bound = dataclasses.replace(claims, record_digest=RECORD)
    assert _raw(bound)[-65537][10] == RECORD
    legacy = _legacy(record_digest=RECORD)
    assert _raw(legacy)[13] == RECORD
    assert decode_claims(encode_claims(legacy)) == legacy
    assert decode_claims(encode_claims(bound)) == bound


def test_empty_exporter_is_allowed(claims):
    anonymous = dataclasses.replace(claims, exporter_uscc="")
    assert decode_claims(encode_claims(anonymous)) == anonymous


def test_chinese_model_names_round_trip(claims):
    chinese = dataclasses.replace(claims, brand="比亚迪", model="海豹06 DM-i")
    assert decode_claims(encode_claims(chinese)) == chinese


def test_issued_at_in_another_zone_is_refused(claims):
    with pytest.raises(ValueError, match="UTC"):
        dataclasses.replace(claims, issued_at=ISSUED_AT.astimezone(timezone(timedelta(hours=8))))


@pytest.mark.parametrize(
    "changes",
    [
        {"version": 3},
        {"version": 0},
        {"version": True},
        {"number": ""},
        {"number": "byd-2026-000123"},
        {"manufacturer": "byd"},
        {"vin": "LGXCE4CB8N012345"},
        {"vin": "LGXCE4CB8N012345O"},  # O is not used in VINs
        {"vin": "lgxce4cb8n0123456"},
        {"brand": ""},
        {"brand": " BYD"},
        {"model": "Seal\n06"},
        {"model": "x" * 65},
        {"country": "kz"},
        {"country": "KAZ"},
        {"exporter_uscc": "91440300MA5G2Y8K3"},
        {"exporter_uscc": "91440300MA5G2Y8K3I"},  # I is not in the USCC alphabet
        {"outlets_digest": bytes(15)},
        {"outlets_digest": "00" * 16},
        {"record_digest": bytes(17)},
        {"issued_at": datetime(2026, 3, 2, 9, 15, 30)},  # naive
        {"issued_at": ISSUED_AT.replace(microsecond=5)},
        {"issued_at": date(2026, 3, 2)},
        {"registration_date": datetime(2026, 1, 20, tzinfo=UTC)},
        {"registration_date": date(1969, 12, 31)},
        {"valid_until": "2026-07-19"},
    ],
)
def test_malformed_claims_are_refused(changes):
    with pytest.raises(ValueError):
        realistic_claims(**changes)


def test_compact_claims_need_a_record_digest(claims):
    with pytest.raises(ValueError):
        claims.compact(b"")


def _mutated(change) -> bytes:
    fields = _raw(_legacy())
    change(fields)
    return _encode(fields)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda f: f.update({14: 1}), "bad_claims"),
        (lambda f: f.update({"vin": "x"}), "bad_claims"),
        (lambda f: f.pop(5), "bad_claims"),
        (lambda f: f.update({13: b""}), "bad_claims"),  # empty is left out
        (lambda f: f.update({1: 2}), "bad_version"),
        (lambda f: f.update({1: True}), "bad_version"),
        (lambda f: f.pop(1), "bad_version"),
        (lambda f: f.update({4: b"LGXCE4CB8N0123456"}), "bad_claims"),
        (lambda f: f.update({7: -1}), "bad_claims"),
        (lambda f: f.update({7: 1.5}), "not_canonical"),  # a float16 written back as float64
        (lambda f: f.update({11: "2026-03-02T09:15:30Z"}), "bad_claims"),
        (lambda f: f.update({11: 10**12}), "bad_claims"),
        (lambda f: f.update({11: ISSUED_AT}), "bad_claims"),
        (lambda f: f.update({12: cbor2.CBORTag(1004, "2026-07-19")}), "bad_claims"),  # a date
        (lambda f: f.update({10: [1, 2]}), "bad_claims"),
    ],
)
def test_decoding_refuses_altered_maps(change, code):
    with pytest.raises(TokenError) as excinfo:
        decode_claims(_mutated(change))
    assert excinfo.value.code == code


def test_decoding_refuses_a_mixture_of_the_forms():
    fields = _raw(_legacy().compact(RECORD))
    fields[3] = "BYD"
    with pytest.raises(TokenError, match="bad_claims"):
        decode_claims(_encode(fields))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xff",
        cbor2.dumps([1, 2, 3]),
        cbor2.dumps("text"),
        GOLDEN_FULL + b"\x00",  # trailing byte
        GOLDEN_FULL[:-1],
        bytes(1025),
    ],
)
def test_decoding_refuses_non_maps_and_damaged_bytes(data):
    with pytest.raises(TokenError):
        decode_claims(data)


def test_decoding_refuses_non_canonical_spellings():
    fields = cbor2.loads(GOLDEN_FULL)
    # Same map, keys in descending order: valid CBOR, but not the canonical spelling.
    reordered = b"\xac" + b"".join(
        cbor2.dumps(k) + cbor2.dumps(fields[k]) for k in reversed(fields)
    )
    assert cbor2.loads(reordered) == fields
    with pytest.raises(TokenError, match="not_canonical"):
        decode_claims(reordered)
    # Version 1 written in two bytes instead of one.
    with pytest.raises(TokenError, match="not_canonical"):
        decode_claims(GOLDEN_FULL.replace(b"\xac\x01\x01", b"\xac\x01\x18\x01", 1))


def test_decoding_refuses_duplicate_keys():
    duplicated = b"\xad" + GOLDEN_FULL[1:] + b"\x01\x01"
    with pytest.raises(TokenError):
        decode_claims(duplicated)


@given(st.binary(max_size=300))
def test_decoding_random_bytes_raises_only_token_errors(data):
    with contextlib.suppress(TokenError):
        decode_claims(data)


_values = st.one_of(
    st.integers(min_value=-(2**64), max_value=2**64),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.binary(max_size=20),
    st.lists(st.integers(), max_size=3),
)


_keys = st.integers(min_value=-1, max_value=15)


@given(
    updates=st.lists(st.tuples(_keys, _values), max_size=6),
    removals=st.lists(_keys, max_size=3),
    compact=st.booleans(),
)
def test_decoding_altered_valid_maps_raises_only_token_errors(updates, removals, compact):
    claims = _legacy()
    fields = _raw(claims.compact(RECORD) if compact else claims)
    fields.update(updates)
    for key in removals:
        fields.pop(key, None)
    with contextlib.suppress(TokenError):
        decode_claims(_encode(fields))


@given(
    number=st.from_regex(r"[A-Z0-9][A-Z0-9./-]{0,47}", fullmatch=True),
    vin=st.from_regex(r"[A-HJ-NPR-Z0-9]{17}", fullmatch=True),
    model=st.text(min_size=1, max_size=64).filter(
        lambda s: s == s.strip() and s.isprintable() and "\u2028" not in s
    ),
    registration=st.dates(min_value=date(1970, 1, 1)),
    seconds=st.integers(min_value=0, max_value=253402300799),
)
def test_any_valid_claims_round_trip(number, vin, model, registration, seconds):
    try:
        claims = realistic_claims(
            number=number,
            vin=vin,
            model=model,
            registration_date=registration,
            issued_at=datetime.fromtimestamp(seconds, UTC),
        )
    except ValueError:
        return  # text with format characters the claims refuse
    encoded = encode_claims(claims)
    assert decode_claims(encoded) == claims
    assert encode_claims(decode_claims(encoded)) == encoded


def test_digests_are_sixteen_bytes_and_canonical():
    assert len(truncated_digest(b"record")) == 16
    assert canonical_digest({"a": 1, "b": [2, 3]}) == canonical_digest({"b": [2, 3], "a": 1})
    assert canonical_digest(["x", "y"]) != canonical_digest(["y", "x"])


def test_letter_claims_are_frozen(claims):
    with pytest.raises(dataclasses.FrozenInstanceError):
        claims.vin = "LGXCE4CB8N0654321"  # type: ignore[misc]
    assert isinstance(claims, LetterClaims)
