"""Values shared by the signing tests: a realistic letter."""

from __future__ import annotations

from datetime import UTC, date, datetime

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

