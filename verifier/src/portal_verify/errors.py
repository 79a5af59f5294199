"""Exceptions of the verifier. Everything raised on untrusted input derives from
:class:`VerifyError`, so a caller catches one type and never sees a parser's ValueError."""

from __future__ import annotations


class VerifyError(Exception):
    """Base class of every error raised by :mod:`portal_verify` on bad input."""


class TokenError(VerifyError):
    """A token, COSE structure or payload is malformed.

    ``code`` is a short machine-readable reason such as ``"not_base32"``, ``"not_cose"``,
    ``"bad_header"``, ``"bad_claims"`` or ``"too_long"``.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{message} ({code})")
        self.code = code
        self.message = message


class SignatureInvalid(VerifyError):
    """The signature does not match the signed data and the key named in the header."""


class UnknownKey(VerifyError):
    """The header names a key id that is not in the key set."""

    def __init__(self, kid: bytes) -> None:
        super().__init__(f"unknown signing key {kid.hex()}")
        self.kid = kid


class KeysetError(VerifyError):
    """A published key set is malformed or inconsistent."""


class RevocationListError(VerifyError):
    """A revocation list is malformed, not signed by the Portal's authority, or tampered."""
