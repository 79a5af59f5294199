"""Exceptions raised by the signing package.

Everything the package raises on bad input derives from :class:`SigningError`, so callers
(the web verification page, the offline verifier) can catch one type and never see a
``ValueError`` or ``KeyError`` from a parser leak out of untrusted data.
"""

from __future__ import annotations


class SigningError(Exception):
    """Base class of every error raised by :mod:`portal.signing`."""


class MasterKeyError(SigningError):
    """The master key is missing, malformed or does not open a sealed private key.

    Messages never contain key material: they may end up in logs.
    """


class TokenError(SigningError):
    """A token, COSE structure or payload is malformed.

    ``code`` is a short machine-readable reason such as ``"not_base32"``, ``"not_cose"``,
    ``"bad_header"``, ``"bad_claims"`` or ``"too_long"``.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{message} ({code})")
        self.code = code
        self.message = message


class SignatureInvalid(SigningError):
    """The signature does not match the sealed data and the key named by the token."""


class UnknownKey(SigningError):
    """The token names a key id that is not in the key set."""

    def __init__(self, kid: bytes) -> None:
        super().__init__(f"unknown signing key {kid.hex()}")
        self.kid = kid


class KeysetError(SigningError):
    """A published key set is malformed or inconsistent."""


class QrTooLarge(SigningError):
    """The QR code for a URL would need a larger version than allowed."""

    def __init__(self, version: int, max_version: int) -> None:
        super().__init__(f"QR code would need version {version}, more than {max_version}")
        self.version = version
        self.max_version = max_version
