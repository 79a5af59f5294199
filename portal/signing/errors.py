"""Exceptions raised by the signing package.

Everything the package raises on bad input derives from :class:`SigningError`, so callers
(the web verification page, the offline verifier) can catch one type and never see a
``ValueError`` or ``KeyError`` from a parser leak out of untrusted data. The errors of
reading tokens and key sets are the verifier's own (:mod:`portal_verify.errors`): the Portal
checks tokens with the same code relying parties run.
"""

from __future__ import annotations

from portal_verify.errors import KeysetError, SignatureInvalid, TokenError, UnknownKey
from portal_verify.errors import VerifyError as SigningError

__all__ = [
    "KeysetError",
    "MasterKeyError",
    "QrTooLarge",
    "SignatureInvalid",
    "SigningError",
    "TokenError",
    "UnknownKey",
]


class MasterKeyError(SigningError):
    """The master key is missing, malformed or does not open a sealed private key.

    Messages never contain key material: they may end up in logs.
    """


class QrTooLarge(SigningError):
    """The QR code for a URL would need a larger version than allowed."""

    def __init__(self, version: int, max_version: int) -> None:
        super().__init__(f"QR code would need version {version}, more than {max_version}")
        self.version = version
        self.max_version = max_version
