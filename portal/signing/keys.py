"""Ed25519 signing keys, key ids, and private keys sealed under the master key.

Private keys are never stored in the clear. A sealed blob is::

    version (1 byte, 0x01) || nonce (12 bytes) || AES-256-GCM(PKCS#8 DER) with its 16-byte tag

The GCM associated data is the version byte followed by the caller's ``aad``, which names the
blob's owner (for instance the key id): a blob copied into another record fails to open.
The same format seals Ed25519 keys (letter seals) and the EC or RSA keys of PDF signing
certificates: PKCS#8 names the key's type, so one format holds every kind.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from portal.signing.errors import MasterKeyError

KID_LENGTH = 8
MASTER_KEY_LENGTH = 32
SEAL_VERSION = 1
_NONCE_LENGTH = 12
_TAG_LENGTH = 16
# 32 bytes in base64 are 43 characters and one "=" of padding, which may be left off.
_MASTER_KEY_TEXT = re.compile(r"[A-Za-z0-9_-]{43}=?")

SealableKey = Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def generate_signing_key() -> Ed25519PrivateKey:
    """Return a new random Ed25519 private key."""
    return Ed25519PrivateKey.generate()


def public_key_bytes(public_key: Ed25519PublicKey) -> bytes:
    """Return the raw 32-byte encoding of an Ed25519 public key."""
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def load_public_key(raw: bytes) -> Ed25519PublicKey:
    """Return the Ed25519 public key encoded as 32 raw bytes; ValueError otherwise."""
    if not isinstance(raw, bytes) or len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def kid_for(public_key: Ed25519PublicKey) -> bytes:
    """Return the key id: the first 8 bytes of SHA-256 over the raw public key."""
    return hashlib.sha256(public_key_bytes(public_key)).digest()[:KID_LENGTH]


def kid_text(kid: bytes) -> str:
    """Return a key id as 16 lower-case hex characters."""
    if len(kid) != KID_LENGTH:
        raise ValueError(f"a key id is {KID_LENGTH} bytes")
    return kid.hex()


def parse_kid_text(text: str) -> bytes:
    """Return the key id written as 16 hex characters; ValueError otherwise."""
    if not re.fullmatch(r"[0-9a-f]{16}", text):
        raise ValueError("a key id is written as 16 lower-case hex characters")
    return bytes.fromhex(text)


def new_master_key_text() -> str:
    """Return a new random master key as URL-safe base64 text (44 characters)."""
    return base64.urlsafe_b64encode(os.urandom(MASTER_KEY_LENGTH)).decode("ascii")


def parse_master_key(text: str | None) -> bytes:
    """Return the 32-byte master key written as URL-safe base64; MasterKeyError otherwise."""
    if text is None or not text.strip():
        raise MasterKeyError("the master key is not set")
    text = text.strip()
    # The message names the expected shape and the length seen, never the characters.
    if not _MASTER_KEY_TEXT.fullmatch(text):
        raise MasterKeyError(
            "the master key must be URL-safe base64 of 32 bytes (44 characters, "
            f"alphabet A-Z a-z 0-9 - _); got {len(text)} characters"
        )
    raw = base64.urlsafe_b64decode(text.rstrip("=") + "=")
    # Base64 ignores the last character's spare bits; insist on the one canonical spelling
    # so two different texts never name the same key.
    if base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=") != text.rstrip("="):
        raise MasterKeyError("the master key is not canonical base64 (its last character)")
    return raw


def seal_private_key(private_key: SealableKey, master_key: bytes, *, aad: bytes) -> bytes:
    """Return the private key encrypted under the master key and bound to ``aad``."""
    _check_master_key(master_key)
    der = private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    nonce = os.urandom(_NONCE_LENGTH)
    header = bytes([SEAL_VERSION])
    return header + nonce + AESGCM(master_key).encrypt(nonce, der, header + aad)


def open_sealed_key(blob: bytes, master_key: bytes, *, aad: bytes) -> SealableKey:
    """Return the private key sealed in ``blob`` (any kind); MasterKeyError on failure."""
    _check_master_key(master_key)
    if len(blob) < 1 + _NONCE_LENGTH + _TAG_LENGTH or blob[0] != SEAL_VERSION:
        raise MasterKeyError("the sealed private key is malformed or of an unknown version")
    header, nonce, sealed = blob[:1], blob[1 : 1 + _NONCE_LENGTH], blob[1 + _NONCE_LENGTH :]
    try:
        der = AESGCM(master_key).decrypt(nonce, sealed, header + aad)
    except InvalidTag:
        raise MasterKeyError(
            "the master key does not open this sealed private key "
            "(wrong master key, or the blob belongs to another record or was altered)"
        ) from None
    key = serialization.load_der_private_key(der, password=None)
    if not isinstance(key, SealableKey):
        raise MasterKeyError("the sealed private key is of an unsupported type")
    return key


def open_private_key(blob: bytes, master_key: bytes, *, aad: bytes) -> Ed25519PrivateKey:
    """Return the Ed25519 private key sealed in ``blob``; MasterKeyError on failure."""
    key = open_sealed_key(blob, master_key, aad=aad)
    if not isinstance(key, Ed25519PrivateKey):
        raise MasterKeyError("the sealed private key is not an Ed25519 key")
    return key


def _check_master_key(master_key: bytes) -> None:
    if not isinstance(master_key, bytes) or len(master_key) != MASTER_KEY_LENGTH:
        raise MasterKeyError(f"the master key must be {MASTER_KEY_LENGTH} bytes")
