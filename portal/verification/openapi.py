"""The OpenAPI 3.1 description of the verification API and the published key set."""

from __future__ import annotations

from typing import Any

from portal.letters.lifecycle.models import LetterStatus
from portal.signing.token import MAX_INPUT_CHARS, MAX_SHORT_CODE_INPUT
from portal.verification.openapi_examples import verdict_examples
from portal.verification.service import MAX_NUMBER_CHARS
from portal.verification.verdicts import CheckName, Outcome, Verdict


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"oneOf": [schema, {"type": "null"}]}


def _object(properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": sorted(properties),
        "additionalProperties": False,
        **extra,
    }


_TEXT = {"type": "string"}
_DATE = {"type": "string", "format": "date"}
_TIME = {"type": "string", "format": "date-time"}
_ERROR = {"$ref": "#/components/schemas/Error"}

_OUTLET = _object(
    {
        "code": _TEXT,
        "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
        "city": _TEXT,
        "name_local": _TEXT,
        "name_latin": _TEXT,
        "address": _TEXT,
        "postcode": _TEXT,
        "phone": _TEXT,
        "email": _TEXT,
        "services": {"type": "array", "items": _TEXT},
        "closed_since": {"type": "boolean", "description": "no longer in service today"},
        "changed_since": {"type": "boolean", "description": "edited after the letter"},
    },
    description="An after-sales outlet as listed in the letter when it was issued.",
)

_LETTER = _object(
    {
        "number": _TEXT,
        "status": {"enum": [s.value for s in LetterStatus]},
        "manufacturer": _object({"code": _TEXT, "name_zh": _TEXT, "name_en": _TEXT}),
        "vin": {"type": "string", "pattern": "^[A-HJ-NPR-Z0-9]{17}$"},
        "brand": _TEXT,
        "model": _TEXT,
        "registration_date": _DATE,
        "transfer_registration_date": _DATE,
        "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
        "country_name": {**_TEXT, "description": "in the language asked for (Accept-Language)"},
        "issued_on": {**_TEXT, "description": "the issue date, written in that language"},
        "valid_until_text": {**_TEXT, "description": "valid_until, written in that language"},
        "exporter": _object({"name": _TEXT, "uscc": _nullable(_TEXT)}),
        "issued_at": _TIME,
        "valid_until": _DATE,
        "revoked_at": _nullable(_TIME),
        "revocation_reason": _nullable(_TEXT),
        "superseded_by": _nullable(_TEXT),
        "outlets": {"type": "array", "items": _OUTLET},
    },
    description="The letter as the register holds it; present only for a genuine letter.",
)

_RESULT = _object(
    {
        "verdict": {
            "enum": [v.value for v in Verdict],
            "description": (
                "valid, revoked, expired, superseded: the manufacturer issued the letter, in "
                "that state today. not_genuine: a complete, well-formed code or PDF failed its "
                "signature, named an unknown or wrong key, or contradicts the register. "
                "cannot_check: what was sent could not be read, or the number and code match "
                "no letter (often a typo); this says nothing against the letter. "
                "register_inconsistent: the seal is right but the register's status of the "
                "letter disagrees with its recorded history; validity cannot be confirmed."
            ),
        },
        "title": {**_TEXT, "description": "the verdict in words, in the language asked for"},
        "summary": {**_TEXT, "description": "what the verdict means, in one sentence"},
        "next_step": {**_TEXT, "description": "what the person should do next, in one line"},
        "genuine": {
            "type": ["boolean", "null"],
            "description": (
                "null when this check cannot say (cannot_check, register_inconsistent)"
            ),
        },
        "reason": _nullable(_object({"code": _TEXT, "message": _TEXT})),
        "checks": {
            "type": "array",
            "items": _object(
                {
                    "name": {"enum": [c.value for c in CheckName]},
                    "outcome": {"enum": [o.value for o in Outcome]},
                    "code": _nullable(_TEXT),
                    "message": _TEXT,
                }
            ),
        },
        "checked_at": _TIME,
        "claims_form": _nullable({"enum": ["full", "compact"]}),
        "letter": _nullable({"$ref": "#/components/schemas/Letter"}),
    }
)

# A JWK (RFC 7517, RFC 8037) with the Portal's own members; docs/token.md.
_KEY = _object(
    {
        "kty": {"const": "OKP"},
        "crv": {"const": "Ed25519"},
        "x": {"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$"},
        "kid": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
        "use": {"const": "sig"},
        "alg": {"const": "EdDSA"},
        "purpose": {"enum": ["letters", "revocations"]},
        "manufacturer": _nullable(_TEXT),
        "manufacturer_name": _nullable(_TEXT),
        "valid_from": _TIME,
        "retired_at": _nullable(_TIME),
        "compromised_at": _nullable(_TIME),
    }
)

_REQUEST = {
    "oneOf": [
        _object(
            {"token": {"type": "string", "minLength": 1, "maxLength": MAX_INPUT_CHARS}},
            description="The token, or the whole URL read from the QR code.",
        ),
        _object(
            {
                "number": {"type": "string", "minLength": 1, "maxLength": MAX_NUMBER_CHARS},
                "code": {"type": "string", "minLength": 1, "maxLength": MAX_SHORT_CODE_INPUT},
            },
            description="The letter number and the verification code printed under the QR.",
        ),
    ]
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_LIMITED = _json(_ERROR, "Too many requests from this client; retry after a minute.")
_UNAVAILABLE = {
    **_json(
        _ERROR,
        "The Portal's register cannot be reached: no verdict, not even a negative one. Retry "
        "after the seconds in Retry-After; meanwhile the PDF's own signature can be checked "
        "offline with the published keys.",
    ),
    "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}},
}


def openapi_document() -> dict[str, Any]:
    """Returns the OpenAPI 3.1 document of the API."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "After-Sales Service Confirmation verification",
            "version": "1.0.0",
            "description": (
                "Check whether an After-Sales Service Confirmation letter (notice MOFCOM "
                "[2025] No. 648) is genuine and valid. No account is needed. Every answer "
                "with a verdict is 200, including not_genuine and cannot_check. Licensing "
                "systems may send an API key in the X-API-Key header: the key's own quotas "
                "then apply instead of the per-address ones. Checks are cheap to allow; a "
                "number with a code that match nothing counts as a miss, and misses are "
                "limited alike here and on the web form, answered 429 with Retry-After."
            ),
        },
        "paths": {
            "/api/v1/verify": {
                "post": {
                    "operationId": "verifyLetter",
                    "security": [{}, {"apiKey": []}],
                    "summary": "Verify a letter by its token, or by number and code",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _REQUEST}},
                    },
                    "responses": {
                        "200": {
                            "description": "A verdict",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Verification"},
                                    "examples": verdict_examples(),
                                }
                            },
                        },
                        "401": _json(_ERROR, "The X-API-Key header names no valid key."),
                        "400": _json(_ERROR, "The body is not one of the two request forms."),
                        "429": _LIMITED,
                        "503": _UNAVAILABLE,
                    },
                }
            },
            "/api/v1/keys": {
                "get": {
                    "operationId": "publishedKeys",
                    "summary": "Every key the Portal has signed letters or revocation lists "
                    "with, as a JWK Set, for offline checks",
                    "responses": {
                        "200": {
                            "description": "The key set (also at /.well-known/portal-keys.json)",
                            "content": {
                                "application/jwk-set+json": {
                                    "schema": {"$ref": "#/components/schemas/KeySet"}
                                }
                            },
                        },
                        "429": _LIMITED,
                        "503": _UNAVAILABLE,
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "apiKey": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-API-Key",
                    "description": "A key given by the platform administrator; optional.",
                }
            },
            "schemas": {
                "Verification": _RESULT,
                "Letter": _LETTER,
                "KeySet": _object({"keys": {"type": "array", "items": _KEY}}),
                "Error": {
                    "type": "object",
                    "properties": {"error": _TEXT, "message": _TEXT},
                    "required": ["error", "message"],
                },
            },
        },
    }
