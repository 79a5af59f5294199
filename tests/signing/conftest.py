"""Fixtures for the signing tests."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from portal.signing.keys import generate_signing_key


@pytest.fixture(scope="session")
def signing_key() -> Ed25519PrivateKey:
    return generate_signing_key()


@pytest.fixture(scope="session")
def other_key() -> Ed25519PrivateKey:
    return generate_signing_key()
