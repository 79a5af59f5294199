"""portal-verify as a relying party installs it: `pip install ./verifier` into a fresh virtual
environment brings no Flask, and its command gives the expected verdict on every test vector
and the web's verdict on letters a live Portal has just issued, after `portal-verify fetch`."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest

from portal.db import utcnow
from portal.letters.keys.keyring import active_seal_key, mark_compromised
from portal.letters.lifecycle.issuance import issue_letter
from portal.letters.lifecycle.service import revoke_letter
from tests.browser.conftest import live_make, live_server  # noqa: F401 (fixtures)
from tests.letters.conftest import Issuing
from tests.verification.conftest import flip_bit

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "docs" / "vectors"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """Returns a fresh virtual environment with only ./verifier installed (by pip)."""
    path = tmp_path_factory.mktemp("relying-party") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=300)
    subprocess.run(
        [path / "bin" / "pip", "install", "-q", str(ROOT / "verifier")],
        check=True,
        timeout=900,
        capture_output=True,
    )
    return path


def _run(venv: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [venv / "bin" / "portal-verify", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "PORTAL_VERIFY_HOME": str(venv / "store")},
    )


def test_the_installed_verifier_brings_no_flask(venv):
    listed = subprocess.run(
        [venv / "bin" / "pip", "list", "--format=json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    names = {entry["name"].lower() for entry in json.loads(listed.stdout)}
    assert {"portal-verify", "cbor2", "cryptography"} <= names
    assert not names & {"flask", "portal", "sqlalchemy", "pillow", "qrcode", "reportlab"}
    no_flask = subprocess.run(
        [venv / "bin" / "python", "-c", "import flask"], capture_output=True, check=False
    )
    assert no_flask.returncode != 0


def test_the_command_gives_every_vector_its_expected_verdict(venv):
    names = sorted(p.stem for p in VECTORS.glob("*.json") if p.stem != "keyset")
    assert len(names) >= 11
    for name in names:
        vector = json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))
        expected = vector["EXPECTEDRESULTS"]
        result = _run(
            venv,
            vector["URL"],
            "--keys",
            str(VECTORS / "keyset.json"),
            "--revocations",
            str(VECTORS / "revocations.cose"),
            "--at",
            vector["TESTCTX"]["VALIDATIONCLOCK"],
            "--json",
        )
        assert result.returncode == expected["EXPECTEDEXITCODE"], (name, result.stdout)
        verdict = json.loads(result.stdout)
        assert verdict["verdict"] == expected["EXPECTEDVERDICT"], name
        reason = verdict["reason"] and verdict["reason"]["code"]
        assert reason == expected["EXPECTEDREASON"], name


def _letters(server, make, tmp_path) -> dict[str, str]:
    """Issues letters in every state on the live Portal; returns their tokens by state."""
    with server.app.app_context():
        session = make.session
        issuing = Issuing(server.app, make, tmp_path)
        now = utcnow()

        def issue(**context):
            day = context.get("now", now).date()
            order = issuing.order(
                registration_date=day - timedelta(days=40),
                transfer_registration_date=day - timedelta(days=5),
            )
            letter = issue_letter(session, order, issuing.context(**context))
            session.flush()
            return letter

        early = issue(now=now - timedelta(days=10))
        late = issue(now=now - timedelta(days=1))
        key = active_seal_key(session, issuing.manufacturer.id)
        mark_compromised(session, key, since=now - timedelta(days=5), reason="Stolen laptop")
        # From here on letters are sealed by the manufacturer's new key.
        valid, revoked, old = issue(), issue(), issue()
        expired = issue(now=now - timedelta(days=200))  # valid for 180 days
        day = now.date()
        successor = issuing.order(
            vin=old.vin,
            supersedes_id=old.id,
            registration_date=day - timedelta(days=40),
            transfer_registration_date=day - timedelta(days=5),
        )
        issue_letter(session, successor, issuing.context())
        revoke_letter(
            session,
            revoked,
            reason="Not exported",
            actor=issuing.issuer,
            master_key=issuing.master_key,
        )
        session.commit()
        return {
            "valid": valid.token,
            "revoked": revoked.token,
            "superseded": old.token,
            "expired": expired.token,
            "sealed before the compromise": early.token,
            "sealed after the compromise": late.token,
            "tampered": flip_bit(valid.token, 40),
            "unreadable": valid.token[:-7],
        }


def _web_verdict(server, token: str) -> dict:
    request = urllib.request.Request(  # noqa: S310 (a loopback http URL)
        f"{server.url}/api/v1/verify",
        data=json.dumps({"token": token}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        return json.loads(response.read())


def test_the_command_agrees_with_the_web_on_fresh_letters(venv, live_server, live_make, tmp_path):  # noqa: F811
    tokens = _letters(live_server, live_make, tmp_path)
    fetched = _run(venv, "fetch", live_server.url)
    assert fetched.returncode == 0, fetched.stderr
    assert "1 revoked, 1 superseded" in fetched.stdout
    seen = {}
    for state, token in tokens.items():
        result = _run(venv, f"HTTPS://PORTAL.EXAMPLE.CN/V/{token}", "--json")
        offline = json.loads(result.stdout)
        web = _web_verdict(live_server, token)
        expected = web["verdict"]
        if expected == "cannot_check":
            expected = "cannot_read"  # the web's CANNOT CHECK: the code cannot be read
        assert offline["verdict"] == expected, (state, offline, web)
        assert offline["revocation_list"]["stale"] is False
        seen[state] = (offline["verdict"], result.returncode)
    assert seen == {
        "valid": ("valid", 0),
        "revoked": ("revoked", 3),
        "superseded": ("superseded", 3),
        "expired": ("expired", 4),
        "sealed before the compromise": ("valid", 0),
        "sealed after the compromise": ("not_genuine", 1),
        "tampered": ("not_genuine", 1),
        "unreadable": ("cannot_read", 5),
    }
