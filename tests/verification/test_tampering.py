"""Tampered tokens never pass: bit flips, truncation, foreign or unknown key ids, spliced
payloads and signatures, and a manufacturer sealing in another's name."""

from __future__ import annotations

import random
from dataclasses import replace

import cbor2
import pytest

from portal.accounts.roles import OrgKind
from portal.letters.keys.keyring import signing_material
from portal.signing import decode_token, encode_token, sign_claims
from portal.signing.payload import decode_claims, encode_claims
from portal.verification.service import CheckName, Outcome, Verdict
from tests.verification.conftest import flip_bit


def _parts(token: str) -> list:
    return list(cbor2.loads(decode_token(token)).value)


def _token(parts: list) -> str:
    return encode_token(cbor2.dumps(cbor2.CBORTag(18, parts), canonical=True))


def _with_kid(parts: list, kid: bytes) -> list:
    protected = cbor2.dumps({1: -8, 4: kid}, canonical=True)
    return [protected, *parts[1:]]


def test_flipping_any_bit_breaks_the_seal(issue, verify):
    # A flip that leaves the structure readable breaks the signature (not genuine); one that
    # breaks the structure makes it unreadable (cannot check). Never valid, never a letter.
    letter = issue()
    rng = random.Random(648)
    for index in range(len(decode_token(letter.token))):
        result = verify(flip_bit(letter.token, index, rng.randrange(8)))
        assert result.verdict in (Verdict.NOT_GENUINE, Verdict.CANNOT_CHECK), index
        assert result.letter is None


def test_a_bit_flipped_signature_in_a_complete_token_is_not_genuine(issue, verify):
    letter = issue()
    # The Ed25519 signature is the last 64 bytes of the seal.
    for index in range(-64, 0):
        for bit in (0, 7):
            result = verify(flip_bit(letter.token, index, bit))
            assert result.verdict is Verdict.NOT_GENUINE, (index, bit)
            assert result.reason == "signature_invalid"
            assert result.outcome_of(CheckName.SIGNATURE) is Outcome.FAILED


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.99])
def test_a_truncated_token_cannot_be_checked(issue, verify, keep):
    token = issue().token
    for cut in (token[: int(len(token) * keep)], token[:-1]):
        result = verify(cut)
        assert result.verdict is Verdict.CANNOT_CHECK
        assert result.reason == "unreadable"


def test_an_unknown_key_id_is_not_genuine(issue, verify):
    parts = _with_kid(_parts(issue().token), bytes(range(8)))
    result = verify(_token(parts))
    assert result.verdict is Verdict.NOT_GENUINE
    assert result.reason == "unknown_key"
    assert result.outcome_of(CheckName.ISSUER_KEY) is Outcome.FAILED


def test_the_key_id_of_another_manufacturer_does_not_pass(issue, verify, issuing, make, session):
    ours = issue()
    other = make.organisation(OrgKind.MANUFACTURER)
    make.outlet(other, country="DE")
    theirs = issue(manufacturer_id=other.id, brand_id=other.brands[0].id, vin=make.vin(other))
    parts = _with_kid(_parts(ours.token), bytes.fromhex(theirs.kid))
    result = verify(_token(parts))
    assert result.verdict is Verdict.NOT_GENUINE
    assert result.reason == "signature_invalid"


def test_a_payload_with_the_signature_of_another_letter_does_not_pass(issue, verify):
    first, second = issue(), issue()
    a, b = _parts(first.token), _parts(second.token)
    spliced = [a[0], a[1], a[2], b[3]]
    result = verify(_token(spliced))
    assert result.verdict is Verdict.NOT_GENUINE
    assert result.reason == "signature_invalid"
    assert result.outcome_of(CheckName.SIGNATURE) is Outcome.FAILED


def test_a_payload_edited_to_another_vin_does_not_pass(issue, verify):
    letter = issue()
    parts = _parts(letter.token)
    fields = cbor2.loads(parts[2])
    fields[4] = "LGXCE4CB8N0123456"
    parts[2] = cbor2.dumps(fields, canonical=True)
    assert verify(_token(parts)).verdict is Verdict.NOT_GENUINE


def test_a_manufacturer_cannot_seal_a_letter_in_another_manufacturers_name(
    issue, verify, issuing, make, session, app
):
    ours = issue()
    other = make.organisation(OrgKind.MANUFACTURER)
    make.outlet(other, country="DE")
    issue(manufacturer_id=other.id, brand_id=other.brands[0].id, vin=make.vin(other))
    material = signing_material(session, other, issuing.context().master_key)
    claims = decode_claims(_parts(ours.token)[2])
    # Dated inside the other key's window, so that only the name gives it away.
    claims = replace(claims, issued_at=material.seal_key.created_at)
    forged = encode_token(sign_claims(claims, material.seal_private))
    result = verify(forged)
    assert result.verdict is Verdict.NOT_GENUINE
    assert result.reason == "manufacturer_mismatch"


def test_a_re_signed_copy_with_the_right_key_but_other_data_is_not_in_the_register(
    issue, verify, issuing, session
):
    # Someone holding the manufacturer's key (or the Portal's database) seals claims the
    # register never issued: the signature is right, the register says no.
    letter = issue()
    material = signing_material(session, issuing.manufacturer, issuing.context().master_key)
    claims = decode_claims(_parts(letter.token)[2])
    other = replace(claims, model="Other model")
    assert encode_claims(other) != encode_claims(claims)
    result = verify(encode_token(sign_claims(other, material.seal_private)))
    assert result.verdict is Verdict.NOT_GENUINE
    assert result.reason == "unknown_letter"
    assert result.outcome_of(CheckName.SIGNATURE) is Outcome.PASSED
