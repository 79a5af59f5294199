"""The text forms of a seal: the token, the verification URL and the short code.

The token (read and written by :mod:`portal_verify.token`) is RFC 4648 base32 of the COSE
bytes, upper case, without padding. Together with an upper-case URL it stays inside the QR
alphanumeric character set (0-9 A-Z space $%*+-./:), which packs 5.5 bits per character
instead of 8 in byte mode. Scheme and host are case-insensitive; the path of the base URL is
upper-cased as well, so the Portal must be mounted where that still routes (its verification
route is ``/V/<token>``).

The short code is for a person typing from a damaged QR code: ten Crockford base32 symbols
(50 bits) of SHA-256 over the COSE bytes, written ``ABCDE-FGHJK``. It is a look-up key for the
online check, not a proof on its own.
"""

from __future__ import annotations

import hashlib
import re

from portal_verify.token import MAX_INPUT_CHARS, MAX_TOKEN_CHARS, decode_token, encode_token

from portal.signing.errors import TokenError

__all__ = [
    "MAX_INPUT_CHARS",
    "MAX_TOKEN_CHARS",
    "decode_token",
    "encode_token",
    "normalise_short_code",
    "short_code",
    "verification_url",
]

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
QR_ALPHANUMERIC = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
_SHORT_CODE_SYMBOLS = 10
# Typed text that may hold a short code: room for spaces and dashes, refused beyond that.
MAX_SHORT_CODE_INPUT = 64
_TOKEN = re.compile(r"[A-Z2-7]+")
_BASE_URL = re.compile(r"HTTPS?://[^/\s?#]+(?:/[^\s?#]*)?")
_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})


def verification_url(base_url: str, token: str) -> str:
    """Return ``BASE_URL/V/TOKEN`` in upper case; ValueError if a QR code could not hold it
    in alphanumeric mode."""
    base = base_url.strip().rstrip("/").upper()
    if not base.isascii() or not _BASE_URL.fullmatch(base):
        raise ValueError("the base URL must be an http(s) URL without query or fragment")
    if not _TOKEN.fullmatch(token):
        raise ValueError("the token must be upper-case base32 without padding")
    url = f"{base}/V/{token}"
    if not set(url) <= QR_ALPHANUMERIC:
        raise ValueError("the base URL has characters outside the QR alphanumeric set")
    return url


def short_code(cose: bytes) -> str:
    """Return the seal's short code: 10 Crockford base32 symbols, written ABCDE-FGHJK."""
    bits = _SHORT_CODE_SYMBOLS * 5
    value = int.from_bytes(hashlib.sha256(cose).digest(), "big") >> (256 - bits)
    symbols = "".join(
        CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(_SHORT_CODE_SYMBOLS))
    )
    return f"{symbols[:5]}-{symbols[5:]}"


def normalise_short_code(text: str) -> str:
    """Return a typed short code as ABCDE-FGHJK; TokenError if it cannot be one."""
    if not isinstance(text, str) or len(text) > MAX_SHORT_CODE_INPUT or not text.isascii():
        raise TokenError("bad_short_code", "a short code is ten letters and digits")
    symbols = text.strip().upper().translate(_CONFUSABLES)
    if len(symbols) != _SHORT_CODE_SYMBOLS or not set(symbols) <= set(CROCKFORD):
        raise TokenError("bad_short_code", "a short code is ten letters and digits")
    return f"{symbols[:5]}-{symbols[5:]}"
