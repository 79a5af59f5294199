"""The Portal's root certificate and its CRL, published for relying parties' own tools (PDF
readers, pdfsig, pyHanko): no account needed."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from flask import Blueprint, Response, current_app
from flask_babel import gettext as _

from portal.db import db_session, utcnow
from portal.letters.keys.authority import (
    CRL_PATH,
    ROOT_PATH,
    authority_crl,
    current_authority,
    ensure_authority,
)
from portal.letters.keys.errors import KeysUnavailable
from portal.letters.lifecycle.context import authority_profile, master_key
from portal.security import limiter, public
from portal.signing.certificates import load_certificate_pem, sha256_fingerprint

bp = Blueprint("authority", __name__)


def published_root_fingerprint() -> str | None:
    """Returns the SHA-256 fingerprint of the published root, as readers show it (None while
    the master key cannot make the root)."""
    try:
        authority = _authority()
    except KeysUnavailable:
        return None
    return sha256_fingerprint(load_certificate_pem(authority.certificate_pem))


@bp.route(ROOT_PATH)
@public
@limiter.limit(lambda: current_app.config["RATELIMIT_API"])
def root_certificate() -> Response:
    try:
        authority = _authority()
    except KeysUnavailable:
        return _unavailable()
    pem = load_certificate_pem(authority.certificate_pem).public_bytes(serialization.Encoding.PEM)
    response = Response(pem, mimetype="application/x-pem-file")
    response.headers["Content-Disposition"] = 'inline; filename="portal-ca.pem"'
    return _shared(response, max_age=3600)


@bp.route(CRL_PATH)
@public
@limiter.limit(lambda: current_app.config["RATELIMIT_API"])
def crl() -> Response:
    try:
        authority = _authority()
        crl = authority_crl(db_session(), authority, master_key(current_app), now=utcnow())
    except KeysUnavailable:
        return _unavailable()
    response = Response(
        crl.public_bytes(serialization.Encoding.DER), mimetype="application/pkix-crl"
    )
    response.headers["Content-Disposition"] = 'inline; filename="portal-ca.crl"'
    # Short: a revocation reaches relying parties within minutes.
    return _shared(response, max_age=300)


def _authority():
    """Returns the current authority; made here on a Portal never set up with `flask init`."""
    return current_authority(db_session()) or ensure_authority(
        db_session(), master_key(current_app), authority_profile(current_app)
    )


def _shared(response: Response, *, max_age: int) -> Response:
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _unavailable() -> Response:
    message = _("The Portal's certificate authority is unavailable right now; try again later.")
    return Response(message + "\n", status=503, mimetype="text/plain")
