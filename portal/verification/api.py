"""The JSON API for licensing systems: verify a token, or a letter number with its code.

Described by the OpenAPI 3.1 document at /api/v1/openapi.json. A verdict is always a 200
answer, "not_genuine" included; 400 is for a request that is not one of the two forms.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, jsonify, request

from portal.db import db_session, utcnow
from portal.rate_limits import code_misses_limit, keyed, limiter
from portal.security import csrf, public
from portal.signing.token import MAX_INPUT_CHARS, MAX_SHORT_CODE_INPUT
from portal.verification.models import Channel
from portal.verification.openapi import openapi_document
from portal.verification.record import verification_json
from portal.verification.service import (
    MAX_NUMBER_CHARS,
    verify_number_and_code,
    verify_token_text,
)
from portal.verification.views import count_miss, keyset_response, log_scan

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_BODY_BYTES = 8 * 1024
_FORMS = ({"token"}, {"number", "code"})


class BadRequest(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@bp.after_request
def _open_to_other_sites(response: Response) -> Response:
    # Licensing systems and browser-based verifiers call from their own origins; nothing
    # here depends on cookies.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/verify", methods=["POST"])
@public
@csrf.exempt
@limiter.limit(keyed("RATELIMIT_API", "checks_limit"))
@code_misses_limit()
def verify() -> tuple[Response, int]:
    try:
        body = _body()
    except BadRequest as error:
        return jsonify(error="bad_request", message=error.message), 400
    session, now = db_session(), utcnow()
    if "token" in body:
        verification = verify_token_text(session, body["token"], now=now)
    else:
        verification = verify_number_and_code(session, body["number"], body["code"], now=now)
        count_miss(verification)
    log_scan(Channel.API, verification)
    return jsonify(verification_json(verification)), 200


@bp.route("/keys")
@public
@limiter.limit(keyed("RATELIMIT_API", "checks_limit"))
def keys() -> Response:
    return keyset_response()


@bp.route("/openapi.json")
@public
def openapi() -> Response:
    return jsonify(openapi_document())


def _body() -> dict[str, str]:
    # Read one byte past the limit: enough to know a body is too long, whatever it claims.
    raw = request.stream.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequest(f"the request body is limited to {MAX_BODY_BYTES} bytes")
    try:
        body: Any = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("the body must be a JSON object") from None
    if not isinstance(body, dict) or set(body) not in _FORMS:
        raise BadRequest('send {"token": ...} or {"number": ..., "code": ...}')
    for name, value in body.items():
        if not isinstance(value, str):
            raise BadRequest(f"{name} must be a string")
    if len(body.get("token", "")) > MAX_INPUT_CHARS:
        raise BadRequest(f"token is limited to {MAX_INPUT_CHARS} characters")
    if (
        len(body.get("number", "")) > MAX_NUMBER_CHARS
        or len(body.get("code", "")) > MAX_SHORT_CODE_INPUT
    ):
        raise BadRequest(
            f"number is at most {MAX_NUMBER_CHARS} characters"
            f" and code at most {MAX_SHORT_CODE_INPUT}"
        )
    return body
