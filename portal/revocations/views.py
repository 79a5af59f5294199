"""The published revocation list, for offline verifiers: no account needed."""

from __future__ import annotations

from flask import Blueprint, Response, current_app

from portal.db import db_session, utcnow
from portal.letters.lifecycle.context import master_key
from portal.revocations.service import current_revocation_list
from portal.security import limiter, public

bp = Blueprint("revocations", __name__)

# RFC 9052 §9.1: the media type of a COSE_Sign1 message.
COSE_SIGN1_TYPE = 'application/cose; cose-type="cose-sign1"'


@bp.route("/.well-known/portal-revocations")
@public
@limiter.limit(lambda: current_app.config["RATELIMIT_API"])
def revocations() -> Response:
    listing = current_revocation_list(db_session(), master_key(current_app), now=utcnow())
    response = Response(listing.signed, content_type=COSE_SIGN1_TYPE)
    # Short enough that a revocation reaches offline verifiers within minutes.
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Content-Disposition"] = 'inline; filename="portal-revocations.cose"'
    return response
