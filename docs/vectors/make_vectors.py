"""Write the test vectors of the letter token into a directory (default: this one).

    python docs/vectors/make_vectors.py [DIRECTORY]

Needs only portal-verify. Keys come from fixed seeds and Ed25519 signatures are
deterministic, so the output is the same bytes every run: the test suite writes the vectors
again and compares them with the committed files, and checks every committed vector's
expected verdict with the verifier, the command and the Portal.

Each vector is a JSON file in the style of the EU DCC test data: ``JSON`` (the claims),
``CBOR`` (the payload, hex), ``COSE`` (hex), ``BASE32`` (the token), ``URL`` (what the QR code
holds), ``TESTCTX`` (description, validation clock, key set and revocation list files) and
``EXPECTEDRESULTS`` (whether it decodes and verifies, the verdict, the reason code and the
exit status of ``portal-verify``).
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from portal_verify.claims import LetterClaims, encode_claims, token_digest
from portal_verify.cose import sign1
from portal_verify.keyset import PURPOSE_REVOCATIONS, KeyRecord, dump_keyset, kid_of
from portal_verify.revocations import encode_revocation_payload
from portal_verify.token import encode_token
from portal_verify.verdict import claims_json

BASE_URL = "HTTPS://PORTAL.EXAMPLE"
ISSUED = datetime(2026, 3, 2, 9, 15, 30, tzinfo=UTC)
CLOCK = datetime(2026, 4, 1, tzinfo=UTC)
LIST_TIME = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
KEY_TIME = datetime(2026, 1, 1, tzinfo=UTC)
COMPROMISED = datetime(2026, 3, 1, tzinfo=UTC)
EXIT = {
    "valid": 0,
    "not_genuine": 1,
    "revoked": 3,
    "superseded": 3,
    "expired": 4,
    "cannot_read": 5,
}


def seeded_key(name: str) -> Ed25519PrivateKey:
    """Return the test key named ``name`` (never used outside these vectors)."""
    return Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(b"portal token test vector key: " + name.encode()).digest()
    )


def raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def claims(**changes: object) -> LetterClaims:
    values: dict[str, object] = {
        "number": "TVA-2026-000001",
        "manufacturer": "TVA",
        "vin": "LGXCE4CB8N0123456",
        "brand": "Test Vector Auto",
        "model": "Sedan 2025",
        "registration_date": date(2026, 1, 20),
        "country": "KZ",
        "exporter_uscc": "91440300MA5G2Y8K3T",
        "outlets_digest": hashlib.sha256(b"outlets").digest()[:16],
        "issued_at": ISSUED,
        "valid_until": date(2026, 7, 19),
    }
    values.update(changes)
    return LetterClaims(**values)  # type: ignore[arg-type]


RECORD = hashlib.sha256(b"record").digest()[:16]
LETTER_KEY = seeded_key("letters")
CTB_KEY = seeded_key("compromised")
STRANGER = seeded_key("unpublished")
AUTHORITY = seeded_key("authority")


def keyset() -> dict:
    """Return the key set of the vectors: two manufacturers' keys (one compromised) and the
    authority's."""
    records = [
        KeyRecord(
            kid=kid_of(raw(LETTER_KEY)),
            public_key=raw(LETTER_KEY),
            manufacturer="TVA",
            manufacturer_name="Test Vector Auto Co., Ltd.",
            valid_from=KEY_TIME,
        ),
        KeyRecord(
            kid=kid_of(raw(CTB_KEY)),
            public_key=raw(CTB_KEY),
            manufacturer="CTB",
            manufacturer_name="Compromised Test Brand Ltd.",
            valid_from=KEY_TIME,
            compromised_at=COMPROMISED,
        ),
        KeyRecord(
            kid=kid_of(raw(AUTHORITY)),
            public_key=raw(AUTHORITY),
            purpose=PURPOSE_REVOCATIONS,
            valid_from=KEY_TIME,
        ),
    ]
    return dump_keyset(records)


def seal(payload: bytes, key: Ed25519PrivateKey, kid_key: Ed25519PrivateKey | None = None) -> bytes:
    return sign1(payload, key, kid_of(raw(kid_key or key)))


def cases() -> list[dict]:
    """Return the vectors: name, description, claims, COSE bytes, clock, expected."""
    full = claims()
    compact = claims(number="TVA-2026-000002").compact(RECORD)
    legacy = claims(version=1, number="TVA-2026-000003")
    legacy_compact = claims(version=1, number="TVA-2026-000004").compact(RECORD)
    revoked = claims(number="TVA-2026-000005")
    superseded = claims(number="TVA-2026-000006")
    expired = claims(number="TVA-2026-000007", valid_until=date(2026, 3, 31))
    ctb_before = claims(
        number="CTB-2026-000001", manufacturer="CTB", issued_at=COMPROMISED - timedelta(days=10)
    )
    ctb_after = claims(number="CTB-2026-000002", manufacturer="CTB", issued_at=COMPROMISED)
    valid_cose = seal(encode_claims(full), LETTER_KEY)
    tampered = bytearray(valid_cose)
    tampered[40] ^= 0x01  # a bit inside the payload (the VIN's neighbourhood)
    rows = [
        (
            "valid_full",
            "A valid letter, full form (CWT claims, version 2).",
            full,
            valid_cose,
            CLOCK,
            "valid",
            None,
        ),
        (
            "valid_compact",
            "A valid letter, compact form (version 2).",
            compact,
            seal(encode_claims(compact), LETTER_KEY),
            CLOCK,
            "valid",
            None,
        ),
        (
            "valid_v1_full",
            "A letter issued before the CWT form: version 1 claims, full form.",
            legacy,
            seal(encode_claims(legacy), LETTER_KEY),
            CLOCK,
            "valid",
            None,
        ),
        (
            "valid_v1_compact",
            "Version 1 claims, compact form.",
            legacy_compact,
            seal(encode_claims(legacy_compact), LETTER_KEY),
            CLOCK,
            "valid",
            None,
        ),
        (
            "expired",
            "Valid through 2026-03-31 (China); checked on 2026-04-01 China time.",
            expired,
            seal(encode_claims(expired), LETTER_KEY),
            CLOCK,
            "expired",
            "expired",
        ),
        (
            "tampered",
            "valid_full with one bit of the payload flipped.",
            full,
            bytes(tampered),
            CLOCK,
            "not_genuine",
            "signature_invalid",
        ),
        (
            "wrong_key",
            "Signed by an unpublished key under the published key's kid.",
            full,
            seal(encode_claims(full), STRANGER, LETTER_KEY),
            CLOCK,
            "not_genuine",
            "signature_invalid",
        ),
        (
            "unknown_key",
            "Signed by an unpublished key under its own kid.",
            full,
            seal(encode_claims(full), STRANGER),
            CLOCK,
            "not_genuine",
            "unknown_key",
        ),
        (
            "compromised_key",
            "Issued at the moment its key was reported compromised.",
            ctb_after,
            seal(encode_claims(ctb_after), CTB_KEY),
            CLOCK,
            "not_genuine",
            "key_revoked",
        ),
        (
            "compromised_key_earlier_letter",
            "Issued before its key was compromised: still genuine.",
            ctb_before,
            seal(encode_claims(ctb_before), CTB_KEY),
            CLOCK,
            "valid",
            None,
        ),
        (
            "revoked",
            "A valid letter named as revoked in the revocation list.",
            revoked,
            seal(encode_claims(revoked), LETTER_KEY),
            CLOCK,
            "revoked",
            "revoked",
        ),
        (
            "superseded",
            "A valid letter named as superseded in the revocation list.",
            superseded,
            seal(encode_claims(superseded), LETTER_KEY),
            CLOCK,
            "superseded",
            "superseded",
        ),
        (
            "cannot_read",
            "valid_full cut short by ten bytes.",
            None,
            valid_cose[:-10],
            CLOCK,
            "cannot_read",
            "not_cose",
        ),
    ]
    return [
        dict(
            zip(
                ("name", "description", "claims", "cose", "clock", "verdict", "reason"),
                row,
                strict=True,
            )
        )
        for row in rows
    ]


def revocation_list(vectors: list[dict]) -> bytes:
    by_name = {v["name"]: v["cose"] for v in vectors}
    payload = encode_revocation_payload(
        issued_at=LIST_TIME,
        next_update=LIST_TIME + timedelta(hours=24),
        revoked=[(token_digest(by_name["revoked"]), LIST_TIME - timedelta(hours=1))],
        superseded=[(token_digest(by_name["superseded"]), LIST_TIME - timedelta(hours=2))],
    )
    return sign1(payload, AUTHORITY, kid_of(raw(AUTHORITY)))


def vector_json(vector: dict) -> dict:
    cose: bytes = vector["cose"]
    token = encode_token(cose)
    readable = vector["verdict"] != "cannot_read"
    claimed = vector["claims"]
    payload = (
        encode_claims(claimed) if claimed is not None and vector["name"] != "tampered" else None
    )
    return {
        "JSON": None if claimed is None else claims_json(claimed),
        "CBOR": None if payload is None else payload.hex(),
        "COSE": cose.hex(),
        "BASE32": token,
        "URL": f"{BASE_URL}/V/{token}",
        "TESTCTX": {
            "VERSION": 1,
            "SCHEMA": "portal-letter-token",
            "CLAIMS_VERSION": None if claimed is None else claimed.version,
            "FORM": None if claimed is None else claimed.form.value,
            "DESCRIPTION": vector["description"],
            "VALIDATIONCLOCK": vector["clock"].isoformat().replace("+00:00", "Z"),
            "KEYSET": "keyset.json",
            "REVOCATIONS": "revocations.cose",
        },
        "EXPECTEDRESULTS": {
            "EXPECTEDDECODE": readable,
            "EXPECTEDVERIFY": vector["verdict"] not in ("not_genuine", "cannot_read"),
            "EXPECTEDVERDICT": vector["verdict"],
            "EXPECTEDREASON": vector["reason"],
            "EXPECTEDEXITCODE": EXIT[vector["verdict"]],
        },
    }


def write(directory: Path) -> list[Path]:
    """Write the key set, the revocation list and one JSON file per vector; return them."""
    directory.mkdir(parents=True, exist_ok=True)
    vectors = cases()
    written = [directory / "keyset.json", directory / "revocations.cose"]
    written[0].write_text(_dumps(keyset()), encoding="utf-8")
    written[1].write_bytes(revocation_list(vectors))
    for vector in vectors:
        path = directory / f"{vector['name']}.json"
        path.write_text(_dumps(vector_json(vector)), encoding="utf-8")
        written.append(path)
    return written


def _dumps(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent
    for path in write(target):
        print(path)
