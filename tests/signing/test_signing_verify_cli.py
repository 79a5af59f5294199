"""The offline verifier run as ``python -m portal.verify`` (the ``portal-verify`` command), as a
person would run it: here with a key set file and no revocation list, at a time when the
letter is within its validity; tests/verification/test_portal_verify.py runs it against a
live Portal with the revocation list."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from signing_values import BASE_URL, ISSUED_AT, key_record, realistic_claims

from portal.signing.keyset import dump_keyset
from portal.signing.seal import sign_claims
from portal.signing.token import encode_token, verification_url

ROOT = Path(__file__).resolve().parents[2]


AT = ["--at", "2026-04-01T00:00:00Z"]


def _run(
    *args: str, stdin: str | None = None, home: str = "/nonexistent"
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PYTHONIOENCODING": "utf-8",
        "PORTAL_VERIFY_HOME": home,
    }
    return subprocess.run(
        [sys.executable, "-m", "portal.verify", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=env,
        input=stdin,
        timeout=60,
        check=False,
    )


def _write_keyset(path: Path, *records) -> str:
    path.write_text(json.dumps(dump_keyset(records), ensure_ascii=False), encoding="utf-8")
    return str(path)


@pytest.fixture
def token(signing_key) -> str:
    return encode_token(sign_claims(realistic_claims(), signing_key))


@pytest.fixture
def keys_file(tmp_path, signing_key) -> str:
    return _write_keyset(tmp_path / "keys.json", key_record(signing_key))


def _check(code: str, keys_file: str, *more: str, stdin: str | None = None):
    return _run(code, "--keys", keys_file, "--no-revocations", *AT, *more, stdin=stdin)


def test_valid_token(token, keys_file):
    result = _check(token, keys_file)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("GENUINE AND VALID")
    assert "Revocation NOT checked" in result.stdout
    assert "LGXCE4CB8N0123456" in result.stdout
    assert "Seal 06 DM-i 2025" in result.stdout
    assert "比亚迪汽车工业有限公司" in result.stdout
    assert "2026-03-02T09:15:30Z" in result.stdout


def test_valid_url_with_json_output(token, keys_file):
    result = _check(verification_url(BASE_URL, token), keys_file, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["verdict"] == "valid"
    assert data["claims"]["number"] == "BYD-2026-000123"


def test_token_from_standard_input(token, keys_file):
    result = _check("-", keys_file, stdin=token + "\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("GENUINE AND VALID")


def test_expired_letter(token, keys_file):
    result = _run(token, "--keys", keys_file, "--no-revocations", "--at", "2026-07-19T16:00:00Z")
    assert result.returncode == 4, result.stdout
    assert result.stdout.startswith("EXPIRED: the letter was valid until 2026-07-19")
    last_day = _run(token, "--keys", keys_file, "--no-revocations", "--at", "2026-07-19T15:59:59Z")
    assert last_day.returncode == 0


def test_tampered_token(token, keys_file):
    position = len(token) // 2
    tampered = token[:position] + ("Q" if token[position] != "Q" else "R") + token[position + 1 :]
    result = _check(tampered, keys_file)
    assert result.returncode == 1
    assert result.stdout.startswith("NOT GENUINE: ")


def test_key_revoked_before_issue(tmp_path, token, signing_key):
    record = key_record(signing_key, compromised_at=ISSUED_AT - timedelta(minutes=1))
    result = _check(token, _write_keyset(tmp_path / "keys.json", record))
    assert result.returncode == 1
    assert result.stdout.startswith("NOT GENUINE: the key was reported compromised")


def test_key_revoked_after_issue(tmp_path, token, signing_key):
    record = key_record(signing_key, compromised_at=ISSUED_AT + timedelta(minutes=1))
    result = _check(token, _write_keyset(tmp_path / "keys.json", record), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["verdict"] == "valid"
    assert "key_revoked_later" in [w["code"] for w in data["warnings"]]


def test_unknown_kid(tmp_path, token, other_key):
    result = _check(token, _write_keyset(tmp_path / "keys.json", key_record(other_key)))
    assert result.returncode == 1
    assert result.stdout.startswith("NOT GENUINE: no published letter key has the id")


def test_malformed_token(keys_file):
    result = _check("hello world", keys_file, "--json")
    assert result.returncode == 5
    data = json.loads(result.stdout)
    assert (data["verdict"], data["reason"]["code"]) == ("cannot_read", "not_base32")


def test_missing_keys_file_is_a_usage_error(tmp_path, token):
    result = _check(token, str(tmp_path / "absent.json"))
    assert result.returncode == 2
    assert "no usable key set" in result.stderr
    assert result.stdout == ""


def test_malformed_keys_file_is_a_usage_error(tmp_path, token):
    bad = tmp_path / "keys.json"
    bad.write_text('{"keys": [{"kid": "00"}]}', encoding="utf-8")
    assert _check(token, str(bad)).returncode == 2
    bad.write_text("not json", encoding="utf-8")
    assert _check(token, str(bad)).returncode == 2


def test_no_revocation_list_is_a_usage_error_unless_waived(token, keys_file):
    result = _run(token, "--keys", keys_file, *AT)
    assert result.returncode == 2
    assert "portal-verify fetch" in result.stderr


def test_missing_arguments_are_usage_errors(token):
    assert _run(token).returncode == 2
    assert _run().returncode == 2
