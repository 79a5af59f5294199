"""The text form of a letter's token, and the verification URL around it.

The token is RFC 4648 base32 of the COSE bytes, upper case, without padding; the QR code
holds ``BASE_URL/V/TOKEN`` in upper case, which stays inside the QR alphanumeric set.
"""

from __future__ import annotations

import base64
import re

from portal_verify.errors import TokenError

# The longest COSE_Sign1 a letter token may be; longer input is refused before any parsing.
MAX_SEAL_BYTES = 1024
# Five bits per character, rounded up.
MAX_TOKEN_CHARS = -(-MAX_SEAL_BYTES * 8 // 5)
# A generous bound for a URL around the longest token, checked before any other work.
MAX_INPUT_CHARS = MAX_TOKEN_CHARS + 512
_TOKEN = re.compile(r"[A-Z2-7]+")
_URL = re.compile(r"(?:HTTPS?://[^/\s?#]+)?(?:/[^\s?#]*)?/V/([A-Z2-7]+)/?")
# Unpadded base32 of whole bytes never leaves 1, 3 or 6 characters in the last group of 8.
_VALID_TAILS = frozenset({0, 2, 4, 5, 7})
_AS_DIGITS = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789abcdefghijklmnopqrstuv")


def encode_token(cose: bytes) -> str:
    """Return the token text for COSE bytes: base32, upper case, no padding."""
    return base64.b32encode(cose).decode("ascii").rstrip("=")


def decode_token(text: str) -> bytes:
    """Return the COSE bytes of a token or of a URL ending in ``/V/<token>``; TokenError if not."""
    if not isinstance(text, str):
        raise TokenError("not_text", "a token is text")
    if len(text) > MAX_INPUT_CHARS:
        raise TokenError("too_long", "the token is too long")
    # ASCII first: upper() maps some non-ASCII letters onto ASCII ones (for example "ſ" to "S").
    if not text.isascii():
        raise TokenError("not_base32", "a token has only the letters A-Z and digits 2-7")
    text = text.strip().upper()
    if not text:
        raise TokenError("empty", "no token given")
    if "/" in text:
        match = _URL.fullmatch(text)
        if match is None:
            raise TokenError("bad_url", "a verification URL ends in /V/ and the token")
        text = match.group(1)
    return _base32_bytes(text)


def _base32_bytes(text: str) -> bytes:
    if len(text) > MAX_TOKEN_CHARS:
        raise TokenError("too_long", "the token is too long")
    if not _TOKEN.fullmatch(text) or len(text) % 8 not in _VALID_TAILS:
        raise TokenError("not_base32", "a token has only the letters A-Z and digits 2-7")
    # RFC 4648 base32 is a base-32 number written with another alphabet: int() reads it in C
    # (the standard library's b32decode is pure Python, and slower than the signature check).
    value = int(text.translate(_AS_DIGITS), 32)
    length, spare = divmod(5 * len(text), 8)
    # Spare bits in the last character must be zero: one token, one spelling.
    if value & ((1 << spare) - 1):
        raise TokenError("not_base32", "the token is not in canonical base32")
    return (value >> spare).to_bytes(length, "big")
