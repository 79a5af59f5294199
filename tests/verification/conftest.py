"""Fixtures for verification: issued letters of a manufacturer with outlets in Germany."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

import pytest

from portal.db import utcnow
from portal.letters.lifecycle.issuance import issue_letter
from portal.letters.lifecycle.models import Letter
from portal.signing import decode_token, encode_token
from portal.verification.service import Verification, verify_token_text
from tests.letters.conftest import Issuing


@pytest.fixture
def issuing(app, make, tmp_path) -> Issuing:
    return Issuing(app, make, tmp_path)


@pytest.fixture
def issue(issuing: Issuing, session) -> Callable[..., Letter]:
    """Returns a function issuing a letter (order fields may be overridden)."""

    def issue_one(context: dict | None = None, **fields) -> Letter:
        letter = issue_letter(session, issuing.order(**fields), issuing.context(**(context or {})))
        session.flush()
        return letter

    return issue_one


@pytest.fixture
def verify(session) -> Callable[..., Verification]:
    """Returns a function verifying a token text at a moment (now by default)."""

    def check(text: str, now: datetime | None = None) -> Verification:
        return verify_token_text(session, text, now=now or utcnow())

    return check


def path_of(letter: Letter) -> str:
    """Returns the path of the letter's verification page, as its QR code names it."""
    return f"/V/{letter.token}"


def flip_bit(token: str, index: int, bit: int = 0) -> str:
    """Returns the token with one bit of its COSE bytes flipped: byte ``index`` (counted
    modulo the length, so negative and random indexes work), bit ``bit``."""
    cose = bytearray(decode_token(token))
    cose[index % len(cose)] ^= 1 << bit
    return encode_token(bytes(cose))


def url_path(url: str) -> str:
    """Returns the path part of a verification URL read from a QR code."""
    return urlsplit(url).path
