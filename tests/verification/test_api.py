"""The JSON API: verdicts for tokens and for number + code, its OpenAPI 3.1 document
(valid against the specification), and schemathesis exercising it against that document."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate

from portal.letters.lifecycle.service import revoke_letter
from portal.verification.openapi import openapi_document


@pytest.mark.parametrize("path", ["/api/v1/verify", "/api/v1/keys"])
def test_the_api_matches_its_document(app, issue, path):
    # A real letter exists, so that generated look-ups meet a populated register.
    issue()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    (operation,) = [op for op in operations if op.path == path]

    @settings(max_examples=150, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def conforms(case) -> None:
        # No 5xx, responses conform to the schema, status codes and content types documented.
        case.call_and_validate()

    conforms()


def test_the_openapi_document_is_valid_openapi_3_1(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    validate(document)
    assert document == openapi_document()
    assert set(document["paths"]) == {"/api/v1/verify", "/api/v1/keys"}


def test_verify_by_token(issue, client):
    letter = issue()
    body = client.post("/api/v1/verify", json={"token": letter.token}).get_json()
    assert body["verdict"] == "valid" and body["genuine"] is True
    assert body["letter"]["number"] == letter.number
    assert body["letter"]["vin"] == letter.vin
    assert body["letter"]["country"] == "DE"
    assert len(body["letter"]["outlets"]) == 3
    assert [c["outcome"] for c in body["checks"]] == ["passed"] * 5


def test_verify_by_number_and_code(issue, client):
    letter = issue()
    typed = letter.short_code.replace("-", "").lower()
    body = client.post(
        "/api/v1/verify", json={"number": letter.number.lower(), "code": typed}
    ).get_json()
    assert body["verdict"] == "valid" and body["letter"]["number"] == letter.number


def test_a_wrong_code_and_an_unknown_number_answer_alike(issue, client):
    letter = issue()
    wrong_code = client.post(
        "/api/v1/verify", json={"number": letter.number, "code": "00000-00000"}
    ).get_json()
    unknown = client.post(
        "/api/v1/verify", json={"number": "NOPE-2026-000001", "code": letter.short_code}
    ).get_json()
    for body in (wrong_code, unknown):
        assert body["verdict"] == "cannot_check" and body["genuine"] is None
        assert body["reason"]["code"] == "no_match"
        assert body["letter"] is None
    assert wrong_code["reason"] == unknown["reason"]


def test_the_api_reports_revocation(issue, client, issuing, session):
    letter = issue()
    revoke_letter(
        session,
        letter,
        reason="Exported elsewhere",
        actor=issuing.issuer,
        master_key=issuing.master_key,
    )
    body = client.post("/api/v1/verify", json={"token": letter.token}).get_json()
    assert body["verdict"] == "revoked"
    assert body["letter"]["revocation_reason"] == "Exported elsewhere"
    assert body["letter"]["revoked_at"].endswith("Z")


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        b'{"token": 5}',
        b'{"token": "A", "number": "B"}',
        b'{"number": "B"}',
        b'{"token": "' + b"A" * 9000 + b'"}',
    ],
)
def test_malformed_requests_get_400_with_a_reason(client, body):
    response = client.post("/api/v1/verify", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request"
    assert response.get_json()["message"]


def test_the_api_is_open_to_other_origins(client):
    response = client.post("/api/v1/verify", json={"token": "AAAA"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_messages_follow_the_accept_language(issue, client):
    body = client.post(
        "/api/v1/verify", json={"token": "AAAA"}, headers={"Accept-Language": "fr-FR"}
    ).get_json()
    assert body["verdict"] == "cannot_check"
    assert body["next_step"] and body["title"] == "Vérification impossible"
    assert (
        body["reason"]["message"]
        != client.post("/api/v1/verify", json={"token": "AAAA"}).get_json()["reason"]["message"]
    )


def test_human_readable_fields_follow_the_language(issue, client):
    letter = issue()
    for language, country in (("ru", "Германия"), ("uz", "Germaniya")):
        body = client.post(
            "/api/v1/verify", json={"token": letter.token}, headers={"Accept-Language": language}
        ).get_json()
        assert body["letter"]["country"] == "DE" and body["letter"]["country_name"] == country
        assert body["letter"]["valid_until"] == letter.valid_until.isoformat()
        assert body["letter"]["valid_until_text"] != body["letter"]["valid_until"]
    arabic = client.get(f"/V/{letter.token}", headers={"Accept-Language": "ar"})
    page = arabic.get_data(as_text=True)
    assert "<bdi>ألمانيا (DE)</bdi>" in page
    assert f"<bdi>{letter.manufacturer.name_en}</bdi>" in page
    russian = client.get(f"/V/{letter.token}", headers={"Accept-Language": "ru"})
    assert "сентября 2026" in russian.get_data(as_text=True)  # the registration date
