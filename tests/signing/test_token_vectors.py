"""The test vectors in docs/vectors: the script writes exactly the committed files, and every
committed vector reads as it says it should (verdict, reason, bytes)."""

from __future__ import annotations

import json
import runpy
from datetime import datetime
from pathlib import Path

import cbor2
import pytest
from portal_verify import check_token, decode_token, load_keyset, load_revocation_list
from portal_verify.cose import parse_sign1

VECTORS = Path(__file__).resolve().parents[2] / "docs" / "vectors"
NAMES = sorted(p.stem for p in VECTORS.glob("*.json") if p.stem != "keyset")
# What the vectors must cover, whatever else they hold.
REQUIRED = {
    "valid_full",
    "valid_compact",
    "valid_v1_full",
    "valid_v1_compact",
    "expired",
    "tampered",
    "wrong_key",
    "compromised_key",
    "revoked",
    "superseded",
    "cannot_read",
}


def _vector(name: str) -> dict:
    return json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def keys():
    return load_keyset(json.loads((VECTORS / "keyset.json").read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def revocations(keys):
    return load_revocation_list((VECTORS / "revocations.cose").read_bytes(), keys)


def test_the_script_writes_exactly_the_committed_vectors(tmp_path):
    script = runpy.run_path(str(VECTORS / "make_vectors.py"))
    written = script["write"](tmp_path)
    committed = sorted(p.name for p in VECTORS.iterdir() if p.suffix in (".json", ".cose"))
    assert sorted(p.name for p in written) == committed
    for path in written:
        assert path.read_bytes() == (VECTORS / path.name).read_bytes(), path.name


def test_the_vectors_cover_every_case():
    assert set(NAMES) >= REQUIRED
    forms = {(v["TESTCTX"]["CLAIMS_VERSION"], v["TESTCTX"]["FORM"]) for v in map(_vector, NAMES)}
    assert {(1, "full"), (1, "compact"), (2, "full"), (2, "compact")} <= forms


@pytest.mark.parametrize("name", NAMES)
def test_each_vector_reads_as_expected(name, keys, revocations):
    vector = _vector(name)
    expected = vector["EXPECTEDRESULTS"]
    clock = datetime.fromisoformat(vector["TESTCTX"]["VALIDATIONCLOCK"])
    for form in (vector["BASE32"], vector["URL"], bytes.fromhex(vector["COSE"])):
        result = check_token(form, keys, revocations=revocations, now=clock)
        assert result.verdict.value == expected["EXPECTEDVERDICT"], (form, result.reason)
        code = None if result.reason is None else result.reason.code
        assert code == expected["EXPECTEDREASON"]
        assert result.genuine == expected["EXPECTEDVERIFY"]
    assert decode_token(vector["BASE32"]).hex() == vector["COSE"]
    if expected["EXPECTEDDECODE"] and vector["CBOR"] is not None:
        signed = parse_sign1(bytes.fromhex(vector["COSE"]), max_bytes=1024)
        assert signed.payload.hex() == vector["CBOR"]
    if expected["EXPECTEDVERIFY"]:
        assert result.claims is not None
        assert result.claims.number == vector["JSON"]["number"]


def test_the_list_names_the_revoked_and_superseded_vectors_only(revocations):
    listed = {*revocations.revoked, *revocations.superseded}
    assert len(listed) == 2
    for name in NAMES:
        cose = bytes.fromhex(_vector(name)["COSE"])
        assert (revocations.standing_of(cose) is not None) == (name in ("revoked", "superseded"))


def test_the_cwt_vectors_are_claims_sets_a_generic_decoder_reads():
    claims = cbor2.loads(bytes.fromhex(_vector("valid_full")["CBOR"]))
    assert claims[1] == "TVA"  # iss
    assert claims[6] == int(datetime.fromisoformat("2026-03-02T09:15:30+00:00").timestamp())
    assert claims[4] == int(datetime.fromisoformat("2026-07-19T16:00:00+00:00").timestamp())
    assert claims[-65537][2] == "TVA-2026-000001"
