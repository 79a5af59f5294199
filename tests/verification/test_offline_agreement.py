"""The offline verifier, fed the key set the Portal publishes, agrees with the web verdict on
the signature: for many real letters in every state, and for their tampered copies."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

from portal.accounts.roles import OrgKind
from portal.letters.keys.keyring import active_seal_key, mark_compromised, new_seal_key
from portal.letters.lifecycle.service import revoke_letter
from portal.signing import load_keyset, offline_verdict
from portal.verification.service import CheckName, Outcome
from tests.verification.conftest import flip_bit

ROOT = Path(__file__).resolve().parents[2]


def _letters(issue, issuing, make, session) -> list:
    """Returns letters of two manufacturers: valid, revoked, superseded, sealed by a retired
    key, and sealed by a key later marked compromised (before and after the compromise)."""
    other = make.organisation(OrgKind.MANUFACTURER)
    make.outlet(other, country="DE")
    letters = [issue() for _ in range(16)]
    letters += [
        issue(manufacturer_id=other.id, brand_id=other.brands[0].id, vin=make.vin(other))
        for _ in range(8)
    ]
    revoke_letter(
        session, letters[0], reason="Withdrawn", actor=issuing.issuer, master_key=issuing.master_key
    )
    letters.append(issue(vin=letters[1].vin, supersedes_id=letters[1].id))
    master = issuing.context().master_key
    new_seal_key(session, issuing.manufacturer, master)  # the first key retires
    letters += [issue() for _ in range(8)]
    compromised = active_seal_key(session, other.id)  # its letters are 16 to 23
    mark_compromised(
        session, compromised, since=letters[20].issued_at, reason="Stolen", actor=issuing.issuer
    )
    letters += [issue(manufacturer_id=other.id, brand_id=other.brands[0].id, vin=make.vin(other))]
    return letters


def _tampered(token: str, rng: random.Random) -> str:
    return flip_bit(token, rng.randrange(10_000), rng.randrange(8))


def test_offline_and_web_agree_on_every_letter(issue, issuing, make, session, client, verify):
    letters = _letters(issue, issuing, make, session)
    keyset = load_keyset(client.get("/.well-known/portal-keys.json").get_json())
    rng = random.Random(2025)
    tokens = [letter.token for letter in letters]
    tokens += [_tampered(token, rng) for token in tokens]
    tokens += [token[:-3] for token in tokens[:5]] + ["", "NOT A TOKEN"]
    web_genuine_count = 0
    for token in tokens:
        web = verify(token)
        offline = offline_verdict(token, keyset)
        web_signature = web.outcome_of(CheckName.SIGNATURE) is Outcome.PASSED and (
            web.outcome_of(CheckName.ISSUER_KEY) is Outcome.PASSED
        )
        assert offline.genuine == web_signature, (token, web.reason, offline.reason)
        web_genuine_count += bool(web.genuine)
    # Every state really occurred: valid, revoked and superseded letters are genuine on the
    # web, the compromised key's later letter and every tampered copy are not.
    assert 0 < web_genuine_count < len(tokens)
    verdicts = {verify(letter.token).verdict.value for letter in letters}
    assert verdicts == {"valid", "revoked", "superseded", "not_genuine"}


def test_the_command_line_verifier_agrees_with_the_web_page(issue, client, tmp_path):
    letter = issue()
    keys = tmp_path / "keys.json"
    revocations = tmp_path / "revocations.cose"
    revocations.write_bytes(client.get("/.well-known/portal-revocations").get_data())
    keys.write_text(client.get("/api/v1/keys").get_data(as_text=True), encoding="utf-8")
    url = f"HTTPS://PORTAL.EXAMPLE.CN/V/{letter.token}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}

    def run(code: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "portal.verify",
                code,
                "--keys",
                str(keys),
                "--revocations",
                str(revocations),
                "--json",
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=60,
            check=False,
        )

    genuine = run(url)
    assert genuine.returncode == 0, genuine.stderr
    assert json.loads(genuine.stdout)["claims"]["vin"] == letter.vin
    web = client.post("/api/v1/verify", json={"token": url}).get_json()
    assert web["verdict"] == "valid" and web["letter"]["vin"] == letter.vin

    forged = _tampered(letter.token, random.Random(1))
    assert run(forged).returncode == 1
    assert client.post("/api/v1/verify", json={"token": forged}).get_json()["genuine"] is False
