"""What the Portal publishes, read with relying parties' own libraries on letters the suite
has just issued: jwcrypto loads the key set, pycose verifies a letter's token and the
revocation list with keys taken from it."""

from __future__ import annotations

import base64
import hashlib
import json

import cbor2
import pytest
from jwcrypto import jwk
from portal_verify import (
    RevocationListError,
    Verdict,
    check_token,
    load_keyset,
    load_revocation_list,
)
from pycose.headers import KID
from pycose.keys import OKPKey
from pycose.keys.curves import Ed25519
from pycose.messages import Sign1Message

from portal.letters.keys.keyring import signing_material
from portal.letters.lifecycle.service import revoke_letter
from portal.signing import LetterClaims, decode_claims, decode_token, sign_claims

KEYS = "/.well-known/portal-keys.json"
REVOCATIONS = "/.well-known/portal-revocations"


def _sign1(data: bytes) -> Sign1Message:
    """Returns pycose's reading of a COSE_Sign1. pycose 1.1's own decode() expects the tagged
    array as a list and its unprotected map as a dict, which cbor2 6 hands back as a tuple and
    a frozendict: the untagging is done here, the rest (headers, Sig_structure, signature) by
    pycose."""
    tagged = cbor2.loads(data)
    assert tagged.tag == 18
    protected, unprotected, payload, signature = tagged.value
    return Sign1Message.from_cose_obj([protected, dict(unprotected), payload, signature], True)


def _published(client) -> dict:
    response = client.get(KEYS)
    assert response.status_code == 200
    assert response.mimetype == "application/jwk-set+json"
    return json.loads(response.get_data())


def _pycose_key(entry: dict) -> OKPKey:
    raw = base64.urlsafe_b64decode(entry["x"] + "=")
    return OKPKey(crv=Ed25519, x=raw)


def _entry_for(published: dict, kid: bytes) -> dict:
    # The kid rule: the JWK kid is the COSE kid (protected header label 4) in lower-case hex.
    return next(k for k in published["keys"] if k["kid"] == kid.hex())


def _revocation_list(client) -> bytes:
    response = client.get(REVOCATIONS)
    assert response.status_code == 200
    assert response.mimetype == "application/cose"
    assert response.headers["Content-Type"].endswith('cose-type="cose-sign1"')
    return response.get_data()


def test_jwcrypto_loads_every_key_of_the_key_set(issue, client):
    issue()
    _revocation_list(client)  # the authority's key exists once a list was signed
    text = client.get(KEYS).get_data(as_text=True)
    published = json.loads(text)
    keyset = jwk.JWKSet.from_json(text)
    assert len(keyset["keys"]) == len(published["keys"]) >= 2
    for entry in published["keys"]:
        key = jwk.JWK(**entry)
        assert key.get("kty") == "OKP"
        assert key.get("crv") == "Ed25519" and key.get("alg") == "EdDSA"
        assert key.get("use") == "sig"
        assert keyset.get_key(entry["kid"]) is not None
    purposes = {entry["purpose"] for entry in published["keys"]}
    assert purposes == {"letters", "revocations"}


@pytest.mark.parametrize("compact", [False, True])
def test_pycose_verifies_a_fresh_letter_with_the_key_from_the_key_set(
    issue, issuing, session, client, compact
):
    letter = issue()
    cose = decode_token(letter.token)
    if compact:
        # The compact form the Portal seals when the full one would not fit the QR code,
        # with the same key.
        private = signing_material(session, letter.manufacturer, issuing.master_key).seal_private
        claims = decode_claims(_sign1(cose).payload)
        assert isinstance(claims, LetterClaims)
        cose = sign_claims(claims.compact(bytes(16)), private)
    message = _sign1(cose)
    kid = message.phdr[KID]
    message.key = _pycose_key(_entry_for(_published(client), kid))
    assert message.verify_signature()
    claims = cbor2.loads(message.payload)
    assert claims[1] == letter.manufacturer.short_code  # iss
    assert claims[6] == int(letter.issued_at.timestamp())  # iat
    assert claims[4] > claims[6]  # exp
    assert claims[-65537][2] == letter.number and claims[-65537][3] == letter.vin


def test_pycose_refuses_a_tampered_letter(issue, client):
    letter = issue()
    cose = bytearray(decode_token(letter.token))
    cose[30] ^= 0x04
    message = _sign1(bytes(cose))
    message.key = _pycose_key(_entry_for(_published(client), message.phdr[KID]))
    assert not message.verify_signature()


def test_the_revocation_list_verifies_and_names_a_letter_revoked_a_moment_ago(
    issue, issuing, session, client
):
    kept, revoked = issue(), issue()
    revoke_letter(
        session, revoked, reason="Not exported", actor=issuing.issuer, master_key=issuing.master_key
    )
    session.flush()
    signed = _revocation_list(client)
    published = _published(client)
    message = _sign1(signed)
    entry = _entry_for(published, message.phdr[KID])
    assert entry["purpose"] == "revocations" and entry["manufacturer"] is None
    message.key = _pycose_key(entry)
    assert message.verify_signature()
    body = cbor2.loads(message.payload)
    assert set(body) == {"version", "issued_at", "next_update", "revoked", "superseded"}
    digests = {digest for digest, _at in body["revoked"]}
    assert hashlib.sha256(decode_token(revoked.token)).digest()[:16] in digests
    assert hashlib.sha256(decode_token(kept.token)).digest()[:16] not in digests
    # Nothing in it names a vehicle.
    assert revoked.vin.encode() not in signed and revoked.number.encode() not in signed
    assert body["next_update"] - body["issued_at"] == 24 * 3600

    # Checked offline with that list, the revoked letter reads REVOKED and the other VALID.
    keys = load_keyset(published)
    listing = load_revocation_list(signed, keys)
    assert check_token(revoked.token, keys, revocations=listing).verdict is Verdict.REVOKED
    assert check_token(kept.token, keys, revocations=listing).verdict is Verdict.VALID


def test_a_superseded_letter_is_listed_as_superseded(issue, client):
    old = issue()
    issue(vin=old.vin, supersedes_id=old.id)
    signed = _revocation_list(client)
    keys = load_keyset(_published(client))
    listing = load_revocation_list(signed, keys)
    result = check_token(old.token, keys, revocations=listing)
    assert result.verdict is Verdict.SUPERSEDED


def test_a_list_altered_in_transit_is_refused(issue, client):
    issue()
    signed = bytearray(_revocation_list(client))
    keys = load_keyset(_published(client))
    signed[-70] ^= 0x01
    with pytest.raises(RevocationListError):
        load_revocation_list(bytes(signed), keys)
