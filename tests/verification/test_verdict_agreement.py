"""For each verdict the page and the API agree, and so do the checks listed with the verdict:
every check passed for a valid letter, a failed one behind each refusal, none failed when the
input could not be checked. Smudges, typos and random numbers never accuse."""

from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest

from portal.db import utcnow
from portal.letters.lifecycle.service import revoke_letter
from portal.verification import consistency
from tests.verification.conftest import flip_bit

CHECK = re.compile(r'data-check="(\w+)" data-outcome="(\w+)"')


def _page(client, path: str) -> tuple[str, dict[str, str]]:
    page = client.get(path).get_data(as_text=True)
    (verdict,) = re.findall(r'data-verdict="(\w+)"', page)
    assert "data-next-step" in page
    return verdict, dict(CHECK.findall(page))


def _api(client, body: dict) -> tuple[str, dict[str, str], dict]:
    answer = client.post("/api/v1/verify", json=body).get_json()
    assert answer["next_step"] and answer["title"]
    checks = {check["name"]: check["outcome"] for check in answer["checks"]}
    return answer["verdict"], checks, answer


def _agree(outcomes: dict[str, str], verdict: str) -> None:
    values = set(outcomes.values())
    if verdict == "valid":
        assert values == {"passed"}
    elif verdict in ("revoked", "superseded"):
        assert outcomes["status"] == "failed" and outcomes["signature"] == "passed"
    elif verdict == "expired":
        assert outcomes["dates"] == "failed" and outcomes["status"] == "passed"
    elif verdict in ("not_genuine", "register_inconsistent"):
        assert "failed" in values
    elif verdict == "cannot_check":
        assert values == {"not_checked"}
    else:
        raise AssertionError(verdict)


@pytest.fixture
def letters(issue, issuing, session, monkeypatch):
    made = {"valid": issue(), "revoked": issue(), "superseded": issue(), "inconsistent": issue()}
    revoke_letter(
        session,
        made["revoked"],
        reason="Wrong VIN",
        actor=issuing.issuer,
        master_key=issuing.master_key,
    )
    issue(vin=made["superseded"].vin, supersedes_id=made["superseded"].id)
    past = utcnow() - timedelta(days=200)
    made["expired"] = issue(
        context={"now": past},
        registration_date=past.date() - timedelta(days=40),
        transfer_registration_date=past.date() - timedelta(days=10),
    )
    odd = made["inconsistent"].id
    monkeypatch.setattr(consistency, "letter_status_consistent", lambda _s, x: x.id != odd)
    return made


def test_each_verdict_reads_the_same_on_the_page_and_in_the_api(letters, client):
    cases = {
        "valid": letters["valid"].token,
        "revoked": letters["revoked"].token,
        "superseded": letters["superseded"].token,
        "expired": letters["expired"].token,
        "register_inconsistent": letters["inconsistent"].token,
        "not_genuine": flip_bit(letters["valid"].token, -1),
        "cannot_check": letters["valid"].token[:-9],
    }
    for expected, token in cases.items():
        page_verdict, page_checks = _page(client, f"/V/{token}")
        api_verdict, api_checks, answer = _api(client, {"token": token})
        assert page_verdict == api_verdict == expected, token
        assert page_checks == api_checks
        _agree(page_checks, expected)
        assert answer["genuine"] is {"not_genuine": False}.get(
            expected, None if expected in ("cannot_check", "register_inconsistent") else True
        )


def test_the_inconsistent_register_never_shows_the_letter_as_valid(letters, client):
    letter = letters["inconsistent"]
    page = client.get(f"/V/{letter.token}").get_data(as_text=True)
    assert "Cannot confirm" in page and "Genuine and valid" not in page
    assert letter.vin not in page


def test_a_typo_in_the_code_and_a_random_number_cannot_be_checked(letters, client):
    letter = letters["valid"]
    code = letter.short_code
    typo = code[:3] + ("X" if code[3] != "X" else "Y") + code[4:]
    rng = random.Random(12)
    attempts = [
        {"number": letter.number, "code": typo},
        {"number": f"HX-2026-{rng.randrange(10**6):06d}", "code": code},
        {"number": str(rng.randrange(10**9)), "code": "ABCDE-FGHJK"},
    ]
    for body in attempts:
        api_verdict, checks, answer = _api(client, body)
        assert api_verdict == "cannot_check" and answer["reason"]["code"] == "no_match"
        _agree(checks, "cannot_check")
        page = client.post("/verify/code", data=body).get_data(as_text=True)
        assert 'data-verdict="cannot_check"' in page and "Retype" in page


def test_smudged_codes_are_never_called_forgeries(letters, verify):
    token = letters["valid"].token
    rng = random.Random(7)
    damaged = []
    for _ in range(40):
        # A character changed so that the code no longer decodes (a letter outside base32,
        # or one that breaks the structure), truncated, or with characters dropped.
        index = rng.randrange(len(token))
        damaged.append(token[:index] + rng.choice("0189!@") + token[index + 1 :])
        damaged.append(token[: rng.randrange(1, len(token))])
        damaged.append(token[:index] + token[index + 2 :])
    for text in damaged:
        result = verify(text)
        assert result.verdict.value == "cannot_check", text
