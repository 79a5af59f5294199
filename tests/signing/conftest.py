"""Fixtures for the signing tests."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from signing_values import realistic_claims

from portal.signing.keys import generate_signing_key
from portal.signing.payload import LetterClaims


@pytest.fixture(scope="session")
def signing_key() -> Ed25519PrivateKey:
    return generate_signing_key()


@pytest.fixture(scope="session")
def other_key() -> Ed25519PrivateKey:
    return generate_signing_key()


@pytest.fixture
def claims() -> LetterClaims:
    return realistic_claims()
