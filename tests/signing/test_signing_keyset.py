"""The published key set, a JWK Set: round trip, strict loading of the Portal's keys, and
tolerance of what other JWK Sets may hold (unknown members, other key types)."""

from __future__ import annotations

import contextlib
import copy
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from signing_values import key_record

from portal.signing.errors import KeysetError
from portal.signing.keys import kid_for, kid_text
from portal.signing.keyset import KeyRecord, dump_keyset, load_keyset

REVOKED = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def records(signing_key, other_key) -> list[KeyRecord]:
    return [
        key_record(signing_key),
        key_record(
            other_key, manufacturer="NIO", manufacturer_name="蔚来汽车", compromised_at=REVOKED
        ),
    ]


@pytest.fixture
def published(records) -> dict:
    return json.loads(json.dumps(dump_keyset(records)))


def test_round_trip_through_json(records, published):
    loaded = load_keyset(published)
    assert loaded == {record.kid: record for record in records}


def test_dumped_entries_are_rfc_8037_keys(records, published, signing_key):
    entry = next(e for e in published["keys"] if e["manufacturer"] == "BYD")
    assert entry["kid"] == kid_text(kid_for(signing_key.public_key()))
    assert (entry["kty"], entry["crv"], entry["alg"], entry["use"]) == (
        "OKP",
        "Ed25519",
        "EdDSA",
        "sig",
    )
    assert len(entry["x"]) == 43 and "=" not in entry["x"]
    assert entry["valid_from"] == "2026-01-01T00:00:00Z"
    assert entry["compromised_at"] is None and entry["retired_at"] is None
    assert entry["purpose"] == "letters"
    assert entry["manufacturer_name"] == "比亚迪汽车工业有限公司"
    revoked = next(e for e in published["keys"] if e["manufacturer"] == "NIO")
    assert revoked["compromised_at"] == "2026-06-01T08:00:00Z"


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update({"extra": 1}),
        lambda d: d["keys"][0].update({"x5u": "https://example.com", "key_ops": ["verify"]}),
        lambda d: d["keys"][0].pop("alg"),
        lambda d: d["keys"][0].pop("use"),
        lambda d: d["keys"].append({"kty": "EC", "crv": "P-256", "x": "a", "y": "b"}),
        lambda d: d["keys"].append({"kty": "OKP", "crv": "X25519", "x": "a"}),
    ],
)
def test_what_other_jwk_sets_may_hold_is_ignored(published, records, change):
    assert load_keyset(_broken(published, change)) == {r.kid: r for r in records}


def test_dump_is_ordered_by_kid(records):
    kids = [e["kid"] for e in dump_keyset(reversed(records))["keys"]]
    assert kids == sorted(kids)


def test_times_in_other_zones_are_read_as_utc(published):
    published["keys"][0]["valid_from"] = "2026-01-01T08:00:00+08:00"
    record = next(iter(load_keyset(published).values()))
    assert record.valid_from == datetime(2026, 1, 1, tzinfo=UTC)
    assert record.valid_from.tzinfo is UTC


def test_key_window(signing_key):
    record = key_record(signing_key, compromised_at=REVOKED)
    assert record.signed_in_window(datetime(2026, 3, 1, tzinfo=UTC))
    assert not record.signed_in_window(REVOKED)
    assert not record.signed_in_window(REVOKED + timedelta(seconds=1))
    assert not record.signed_in_window(datetime(2025, 12, 31, tzinfo=UTC))


def test_key_window_tolerates_the_seconds_rounding_of_issue_times(signing_key):
    created = datetime(2026, 1, 1, 10, 0, 0, 700_000, tzinfo=UTC)
    record = key_record(signing_key, valid_from=created)
    assert record.signed_in_window(created.replace(microsecond=0))


def _broken(published, change):
    data = copy.deepcopy(published)
    change(data)
    return data


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.clear(),
        lambda d: d.update({"keys": {}}),
        lambda d: d["keys"].append("not an object"),
        lambda d: d["keys"][0].update({"use": "enc"}),
        lambda d: d["keys"][0].update({"alg": "ES256"}),
        lambda d: d["keys"][0].update({"purpose": "anything"}),
        lambda d: d["keys"][0].pop("manufacturer"),
        lambda d: d["keys"][0].pop("valid_from"),
        lambda d: d["keys"][0].update({"x": d["keys"][0]["x"] + "="}),
        lambda d: d["keys"][0].update({"x": d["keys"][0]["x"][:-1]}),
        lambda d: d["keys"][0].update({"x": "!" * 43}),
        lambda d: d["keys"][0].update({"x": 12}),
        lambda d: d["keys"][0].update({"kid": d["keys"][1]["kid"]}),
        lambda d: d["keys"][0].update({"kid": d["keys"][0]["kid"].upper()}),
        lambda d: d["keys"][0].update({"kid": None}),
        lambda d: d["keys"].append(dict(d["keys"][0])),
        lambda d: d["keys"][0].update({"manufacturer": "byd"}),
        lambda d: d["keys"][0].update({"manufacturer_name": " "}),
        lambda d: d["keys"][0].update({"valid_from": "2026-01-01T00:00:00"}),
        lambda d: d["keys"][0].update({"valid_from": "yesterday"}),
        lambda d: d["keys"][0].update({"valid_from": 1767225600}),
        lambda d: d["keys"][0].update({"valid_from": "0001-01-01T00:00:00+01:00"}),
        lambda d: d["keys"][0].update({"compromised_at": "2025-01-01T00:00:00Z"}),
        lambda d: d["keys"][0].update({"retired_at": "later"}),
    ],
)
def test_malformed_key_sets_are_refused(published, change):
    with pytest.raises(KeysetError):
        load_keyset(_broken(published, change))


def test_errors_name_the_entry(published):
    data = _broken(published, lambda d: d["keys"][1].update({"alg": "RS256"}))
    with pytest.raises(KeysetError, match=r"^key 1: .*EdDSA"):
        load_keyset(data)


def test_kid_must_match_the_public_key(signing_key, other_key):
    with pytest.raises(ValueError, match="kid"):
        key_record(signing_key, kid=kid_for(other_key.public_key()))


def test_naive_times_are_refused_in_records(signing_key):
    with pytest.raises(ValueError, match="timezone"):
        key_record(signing_key, valid_from=datetime(2026, 1, 1))


def test_empty_key_set_is_allowed():
    assert load_keyset({"keys": []}) == {}


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=20), inner),
    max_leaves=12,
)


@given(_json)
def test_random_json_raises_only_keyset_errors(data):
    with contextlib.suppress(KeysetError):
        load_keyset(data)


_fields = st.sampled_from(
    [
        "kty",
        "kid",
        "alg",
        "crv",
        "x",
        "purpose",
        "manufacturer",
        "manufacturer_name",
        "valid_from",
        "retired_at",
        "compromised_at",
    ]
)


@given(field=_fields, value=_json)
def test_random_field_values_raise_only_keyset_errors(records, field, value):
    data = dump_keyset(records)
    data["keys"][0][field] = value
    with contextlib.suppress(KeysetError):
        load_keyset(data)


def test_times_keep_their_instant_across_zones(signing_key):
    shanghai = timezone(timedelta(hours=8))
    record = key_record(signing_key, valid_from=datetime(2026, 1, 1, 8, tzinfo=shanghai))
    loaded = load_keyset(dump_keyset([record]))[record.kid]
    assert loaded.valid_from == datetime(2026, 1, 1, tzinfo=UTC)
