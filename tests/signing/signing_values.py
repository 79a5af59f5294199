"""Values shared by the signing tests: a realistic letter and key records."""

from __future__ import annotations

from datetime import UTC, date, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from portal.signing.keys import kid_for, public_key_bytes
from portal.signing.keyset import KeyRecord
from portal.signing.payload import LetterClaims, canonical_digest

BASE_URL = "https://portal.example.cn"
ISSUED_AT = datetime(2026, 3, 2, 9, 15, 30, tzinfo=UTC)


def realistic_claims(**changes: object) -> LetterClaims:
    """Return the claims of a realistic BYD letter, with ``changes`` applied."""
    values: dict[str, object] = {
        "number": "BYD-2026-000123",
        "manufacturer": "BYD",
        "vin": "LGXCE4CB8N0123456",
        "brand": "BYD",
        "model": "Seal 06 DM-i 2025",
        "registration_date": date(2026, 1, 20),
        "country": "KZ",
        "exporter_uscc": "91440300MA5G2Y8K3T",
        "outlets_digest": canonical_digest(["Almaty, Dostyk Ave 1", "Astana, Kabanbay 2"]),
        "issued_at": ISSUED_AT,
        "valid_until": date(2026, 7, 19),
    }
    values.update(changes)
    return LetterClaims(**values)  # type: ignore[arg-type]


def key_record(key: Ed25519PrivateKey, **changes: object) -> KeyRecord:
    """Return the published record of ``key`` as BYD's, with ``changes`` applied."""
    public = key.public_key()
    values: dict[str, object] = {
        "kid": kid_for(public),
        "public_key": public_key_bytes(public),
        "manufacturer": "BYD",
        "manufacturer_name": "比亚迪汽车工业有限公司",
        "valid_from": datetime(2026, 1, 1, tzinfo=UTC),
        "compromised_at": None,
    }
    values.update(changes)
    return KeyRecord(**values)  # type: ignore[arg-type]
