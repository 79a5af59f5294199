"""Ed25519 keys, key ids, the master key, and private keys sealed under it."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from portal.signing.certificates import generate_ec_key
from portal.signing.errors import MasterKeyError
from portal.signing.keys import (
    generate_signing_key,
    kid_for,
    kid_text,
    load_public_key,
    new_master_key_text,
    open_private_key,
    open_sealed_key,
    parse_kid_text,
    parse_master_key,
    public_key_bytes,
    seal_private_key,
)

MASTER = bytes(range(32))
OTHER_MASTER = bytes(range(1, 33))


def test_kid_is_first_eight_bytes_of_sha256_of_raw_public_key(signing_key):
    raw = public_key_bytes(signing_key.public_key())
    assert len(raw) == 32
    assert kid_for(signing_key.public_key()) == hashlib.sha256(raw).digest()[:8]


def test_kid_text_round_trip(signing_key):
    kid = kid_for(signing_key.public_key())
    text = kid_text(kid)
    assert len(text) == 16 and text == text.lower()
    assert parse_kid_text(text) == kid


@pytest.mark.parametrize("text", ["", "0123456789ABCDEF", "0123456789abcde", "0123456789abcdeg"])
def test_parse_kid_text_rejects_malformed(text):
    with pytest.raises(ValueError):
        parse_kid_text(text)


def test_kid_text_rejects_wrong_length():
    with pytest.raises(ValueError):
        kid_text(b"short")


def test_public_key_round_trip(signing_key):
    raw = public_key_bytes(signing_key.public_key())
    assert public_key_bytes(load_public_key(raw)) == raw


@pytest.mark.parametrize("raw", [b"", bytes(31), bytes(33)])
def test_load_public_key_rejects_wrong_length(raw):
    with pytest.raises(ValueError):
        load_public_key(raw)


def test_generated_keys_differ():
    first, second = generate_signing_key(), generate_signing_key()
    assert kid_for(first.public_key()) != kid_for(second.public_key())


def test_sealed_key_opens_to_the_same_key(signing_key):
    blob = seal_private_key(signing_key, MASTER, aad=b"kid:1")
    opened = open_private_key(blob, MASTER, aad=b"kid:1")
    message = b"letter"
    signing_key.public_key().verify(opened.sign(message), message)
    assert blob[0] == 1
    assert len(blob) == 1 + 12 + 48 + 16  # version, nonce, PKCS#8 of Ed25519, GCM tag


def test_sealing_twice_uses_fresh_nonces(signing_key):
    first = seal_private_key(signing_key, MASTER, aad=b"a")
    second = seal_private_key(signing_key, MASTER, aad=b"a")
    assert first[1:13] != second[1:13]
    assert first != second


def test_wrong_master_key_fails(signing_key):
    blob = seal_private_key(signing_key, MASTER, aad=b"kid:1")
    with pytest.raises(MasterKeyError) as excinfo:
        open_private_key(blob, OTHER_MASTER, aad=b"kid:1")
    assert OTHER_MASTER.hex() not in str(excinfo.value)


def test_blob_swapped_to_another_owner_fails(signing_key):
    blob = seal_private_key(signing_key, MASTER, aad=b"kid:1")
    with pytest.raises(MasterKeyError):
        open_private_key(blob, MASTER, aad=b"kid:2")


def test_every_altered_byte_fails(signing_key):
    blob = seal_private_key(signing_key, MASTER, aad=b"kid:1")
    for index in range(len(blob)):
        altered = bytearray(blob)
        altered[index] ^= 0x01
        with pytest.raises(MasterKeyError):
            open_private_key(bytes(altered), MASTER, aad=b"kid:1")


@pytest.mark.parametrize("length", [0, 1, 13, 28])
def test_truncated_blob_fails(signing_key, length):
    blob = seal_private_key(signing_key, MASTER, aad=b"x")
    with pytest.raises(MasterKeyError):
        open_private_key(blob[:length], MASTER, aad=b"x")


@pytest.mark.parametrize("master", [b"", bytes(16), bytes(31), bytes(33)])
def test_master_key_must_be_32_bytes(signing_key, master):
    with pytest.raises(MasterKeyError):
        seal_private_key(signing_key, master, aad=b"x")


def test_open_private_key_refuses_an_ec_key():
    blob = seal_private_key(generate_ec_key(), MASTER, aad=b"cert")
    assert not isinstance(open_sealed_key(blob, MASTER, aad=b"cert"), Ed25519PrivateKey)
    with pytest.raises(MasterKeyError, match="not an Ed25519 key"):
        open_private_key(blob, MASTER, aad=b"cert")


def test_master_key_text_round_trip():
    text = new_master_key_text()
    assert len(text) == 44
    raw = parse_master_key(text)
    assert len(raw) == 32
    assert base64.urlsafe_b64encode(raw).decode() == text
    assert parse_master_key(f"  {text.rstrip('=')}\n") == raw


def test_new_master_keys_differ():
    assert new_master_key_text() != new_master_key_text()


@pytest.mark.parametrize("text", [None, "", "   "])
def test_missing_master_key_is_reported(text):
    with pytest.raises(MasterKeyError, match="not set"):
        parse_master_key(text)


@pytest.mark.parametrize(
    "text",
    [
        base64.urlsafe_b64encode(bytes(16)).decode(),  # too short
        base64.urlsafe_b64encode(bytes(48)).decode(),  # too long
        base64.b64encode(b"\xfb" * 32).decode(),  # standard alphabet: "+" and "/"
        "é" * 43,
    ],
)
def test_malformed_master_key_is_reported_without_its_text(text):
    with pytest.raises(MasterKeyError) as excinfo:
        parse_master_key(text)
    assert "URL-safe base64 of 32 bytes" in str(excinfo.value)
    assert text not in str(excinfo.value)


def test_master_key_with_spare_bits_set_is_refused():
    text = base64.urlsafe_b64encode(bytes(32)).decode()  # "AAAA...AAA="
    altered = text[:42] + "B="  # same 32 bytes, but the spare bits of the last symbol are set
    assert base64.urlsafe_b64decode(altered) == bytes(32)
    with pytest.raises(MasterKeyError, match="canonical"):
        parse_master_key(altered)
