"""The package's own exceptions."""

from __future__ import annotations

from portal.signing.errors import (
    KeysetError,
    MasterKeyError,
    QrTooLarge,
    SignatureInvalid,
    SigningError,
    TokenError,
    UnknownKey,
)


def test_every_error_is_a_signing_error():
    for kind in (KeysetError, MasterKeyError, QrTooLarge, SignatureInvalid, TokenError, UnknownKey):
        assert issubclass(kind, SigningError)


def test_token_error_carries_a_machine_code():
    error = TokenError("not_base32", "bad characters")
    assert error.code == "not_base32"
    assert error.message == "bad characters"
    assert "not_base32" in str(error)


def test_unknown_key_names_the_kid():
    error = UnknownKey(bytes.fromhex("0011223344556677"))
    assert error.kid == bytes.fromhex("0011223344556677")
    assert "0011223344556677" in str(error)


def test_qr_too_large_names_both_versions():
    error = QrTooLarge(14, 12)
    assert (error.version, error.max_version) == (14, 12)
    assert "14" in str(error) and "12" in str(error)
