"""COSE_Sign1 seals: structure (RFC 9052), verification, and every way to tamper with one."""

from __future__ import annotations

import contextlib

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given
from hypothesis import strategies as st
from signing_values import realistic_claims

from portal.signing.errors import SignatureInvalid, SigningError, TokenError, UnknownKey
from portal.signing.keys import kid_for, load_public_key
from portal.signing.payload import ClaimsForm, encode_claims
from portal.signing.seal import peek_kid, sign_claims, verify_token

# A COSE_Sign1 made by pycose 1.1.0 (Sign1Message with phdr {Algorithm: EdDSA, KID: kid},
# payload the realistic claims), and its public key: an independent implementation's output.
PYCOSE_SIGN1 = bytes.fromhex(
    "d2844da201270448de043e6b81096498a0587cac0101026f4259442d323032362d303030313233036342"
    "594404714c47584345344342384e30313233343536056342594406715365616c20303620444d2d692032"
    "30323507194ff908624b5a097239313434303330304d4135473259384b33540a50e932ae6c2891490423"
    "64077a1f915d500b1a69a555320c1950ad584036f532e981f909449ce3100f30d806aaf15bca110e0847"
    "cfa2bab1a38b3ca03d64a4d3ee4565d8fd09af7f59f7cf24b556ac69a40d66e4a00ae687d54bbb6d0f"
)
PYCOSE_PUBLIC_KEY = bytes.fromhex(
    "998cd055340c5d448fb68dd0d86136cc6d3a63c58c7d4672ec43d874fa7376f5"
)


@pytest.fixture(scope="module")
def keys(signing_key, other_key):
    """A resolver that knows both test keys."""
    known = {kid_for(k.public_key()): k.public_key() for k in (signing_key, other_key)}
    return known.get


@pytest.fixture
def sealed(claims, signing_key) -> bytes:
    return sign_claims(claims, signing_key)


def _bstr(data: bytes) -> bytes:
    assert len(data) < 256
    return (bytes([0x40 + len(data)]) if len(data) < 24 else bytes([0x58, len(data)])) + data


def _rebuild(protected: bytes, payload: bytes, signature: bytes, unprotected=None) -> bytes:
    return cbor2.dumps(
        cbor2.CBORTag(18, [protected, unprotected or {}, payload, signature]), canonical=True
    )


def _parts(sealed: bytes) -> list:
    return list(cbor2.loads(sealed).value)


def test_round_trip(claims, sealed, signing_key, keys):
    verified = verify_token(sealed, keys)
    assert verified.claims == claims
    assert verified.kid == kid_for(signing_key.public_key())
    assert verified.form is ClaimsForm.FULL


def test_compact_round_trip(claims, signing_key, keys):
    compact = claims.compact(bytes(16))
    verified = verify_token(sign_claims(compact, signing_key), keys)
    assert verified.claims == compact
    assert verified.form is ClaimsForm.COMPACT


def test_seal_is_deterministic(claims, signing_key):
    # Ed25519 signatures are deterministic, so the same letter always gives the same token.
    assert sign_claims(claims, signing_key) == sign_claims(claims, signing_key)


def test_peek_kid(sealed, signing_key):
    assert peek_kid(sealed) == kid_for(signing_key.public_key())


def test_structure_follows_rfc_9052_when_decoded_by_hand(claims, sealed, signing_key):
    kid = kid_for(signing_key.public_key())
    protected = b"\xa2\x01\x27\x04\x48" + kid  # {1: -8, 4: h'kid'}
    payload = encode_claims(claims)
    # Tag 18, array of 4, protected bstr, empty map, payload bstr, 64-byte signature bstr.
    head = b"\xd2\x84" + _bstr(protected) + b"\xa0" + _bstr(payload) + b"\x58\x40"
    assert sealed[: len(head)] == head
    signature = sealed[len(head) :]
    assert len(signature) == 64
    # Sig_structure = ["Signature1", protected, h'', payload], written out byte by byte.
    to_be_signed = b"\x84\x6aSignature1" + _bstr(protected) + b"\x40" + _bstr(payload)
    signing_key.public_key().verify(signature, to_be_signed)


def test_verifies_a_seal_made_by_pycose():
    public_key = load_public_key(PYCOSE_PUBLIC_KEY)
    verified = verify_token(PYCOSE_SIGN1, lambda kid: public_key)
    assert verified.claims == realistic_claims(
        version=1, outlets_digest=verified.claims.outlets_digest
    )
    assert verified.kid == kid_for(public_key)


def test_unknown_kid(sealed):
    with pytest.raises(UnknownKey) as excinfo:
        verify_token(sealed, lambda kid: None)
    assert excinfo.value.kid == peek_kid(sealed)


def test_every_single_bit_flip_fails(sealed, keys):
    for index in range(len(sealed) * 8):
        flipped = bytearray(sealed)
        flipped[index // 8] ^= 1 << (index % 8)
        with pytest.raises((TokenError, SignatureInvalid, UnknownKey)):
            verify_token(bytes(flipped), keys)


@given(
    changes=st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 255)), min_size=1, max_size=8)
)
def test_random_byte_changes_fail(changes, signing_key, keys):
    sealed = sign_claims(realistic_claims(), signing_key)
    altered = bytearray(sealed)
    for position, mask in changes:
        altered[position % len(altered)] ^= mask
    if bytes(altered) != sealed:
        with pytest.raises(SigningError):
            verify_token(bytes(altered), keys)


def test_every_truncation_fails(sealed, keys):
    for length in range(len(sealed)):
        with pytest.raises(TokenError):
            verify_token(sealed[:length], keys)


def test_appended_bytes_fail(sealed, keys):
    with pytest.raises(TokenError, match="not_cose"):
        verify_token(sealed + b"\x00", keys)


def test_kid_swapped_for_another_keys_kid_fails(sealed, other_key, keys):
    _, _, payload, signature = _parts(sealed)
    swapped = cbor2.dumps({1: -8, 4: kid_for(other_key.public_key())}, canonical=True)
    with pytest.raises(SignatureInvalid):
        verify_token(_rebuild(swapped, payload, signature), keys)


def test_payload_of_one_seal_with_the_signature_of_another_fails(claims, signing_key, keys):
    first = _parts(sign_claims(claims, signing_key))
    second = _parts(sign_claims(realistic_claims(country="RU"), signing_key))
    with pytest.raises(SignatureInvalid):
        verify_token(_rebuild(first[0], second[2], first[3]), keys)


def _signed(signing_key, header: dict, payload: bytes, unprotected=None) -> bytes:
    """Return a seal with a chosen header, correctly signed, to test what is refused."""
    protected = cbor2.dumps(header, canonical=True)
    to_be_signed = cbor2.dumps(["Signature1", protected, b"", payload], canonical=True)
    return _rebuild(protected, payload, signing_key.sign(to_be_signed), unprotected)


@pytest.mark.parametrize("alg", [-7, -35, 8, "EdDSA"])
def test_other_algorithms_are_refused(claims, signing_key, keys, alg):
    kid = kid_for(signing_key.public_key())
    token = _signed(signing_key, {1: alg, 4: kid}, encode_claims(claims))
    with pytest.raises(TokenError, match="bad_header"):
        verify_token(token, keys)


@pytest.mark.parametrize(
    "header",
    [
        {1: -8},
        {4: b"12345678"},
        {1: -8, 4: b"1234567"},
        {1: -8, 4: "1234567812345678"},
        {1: -8, 4: b"12345678", 3: 0},
    ],
)
def test_malformed_headers_are_refused(claims, signing_key, keys, header):
    with pytest.raises(TokenError, match="bad_header"):
        verify_token(_signed(signing_key, header, encode_claims(claims)), keys)


def test_unprotected_headers_are_refused(claims, signing_key, keys):
    kid = kid_for(signing_key.public_key())
    token = _signed(signing_key, {1: -8, 4: kid}, encode_claims(claims), unprotected={4: kid})
    with pytest.raises(TokenError, match="bad_header"):
        verify_token(token, keys)


@pytest.mark.parametrize("change", ["extra", "missing"])
def test_signed_payload_with_extra_or_missing_claims_is_refused(claims, signing_key, keys, change):
    fields = cbor2.loads(encode_claims(claims))
    if change == "extra":
        fields[20] = "surprise"
    else:
        del fields[6]
    payload = cbor2.dumps(fields, canonical=True)
    token = _signed(signing_key, {1: -8, 4: kid_for(signing_key.public_key())}, payload)
    with pytest.raises(TokenError, match="bad_claims"):
        verify_token(token, keys)


def test_signature_is_checked_before_the_payload_is_read(claims, signing_key, keys):
    kid = kid_for(signing_key.public_key())
    protected, _, _, signature = _parts(_signed(signing_key, {1: -8, 4: kid}, b"\xff garbage"))
    with pytest.raises(SignatureInvalid):
        verify_token(_rebuild(protected, b"\xff other garbage", signature), keys)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        cbor2.dumps([b"", {}, b"", b""]),  # untagged
        cbor2.dumps(cbor2.CBORTag(98, [b"", {}, b"", b""])),  # COSE_Sign, not COSE_Sign1
        cbor2.dumps(cbor2.CBORTag(18, [b"", {}, b""])),
        cbor2.dumps(cbor2.CBORTag(18, {"a": 1})),
        cbor2.dumps(cbor2.CBORTag(18, [b"", {}, None, bytes(64)])),  # detached payload
        cbor2.dumps(cbor2.CBORTag(18, [b"\xa0", {}, b"", bytes(63)])),
    ],
    ids=["empty", "untagged", "cose-sign", "three-parts", "map", "detached", "short-signature"],
)
def test_structures_that_are_not_a_sign1_are_refused(data, keys):
    with pytest.raises(TokenError):
        verify_token(data, keys)


def test_oversized_input_is_refused_before_parsing(keys):
    with pytest.raises(TokenError) as excinfo:
        verify_token(b"\xd2" + bytes(1024), keys)
    assert excinfo.value.code == "too_long"


def test_non_bytes_input_is_refused(keys):
    with pytest.raises(TokenError):
        verify_token("d284", keys)  # type: ignore[arg-type]


def _never_called(kid: bytes) -> Ed25519PublicKey | None:
    raise AssertionError("a key was looked up for a malformed seal")


@given(st.binary(max_size=1100))
def test_random_bytes_raise_only_signing_errors(data):
    with contextlib.suppress(TokenError):
        verify_token(data, _never_called)
    with contextlib.suppress(TokenError):
        peek_kid(data)


_cbor = st.recursive(
    st.one_of(st.integers(), st.binary(max_size=70), st.text(max_size=10), st.none()),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.integers(), inner, max_size=3),
    max_leaves=8,
)


@given(parts=st.lists(_cbor, min_size=0, max_size=5), tag=st.integers(0, 30))
def test_random_tagged_structures_raise_only_signing_errors(parts, tag, keys):
    data = cbor2.dumps(cbor2.CBORTag(18 if tag < 25 else tag, parts))
    with contextlib.suppress(TokenError, UnknownKey, SignatureInvalid):
        verify_token(data, keys)
