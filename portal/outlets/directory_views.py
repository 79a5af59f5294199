"""The public outlet directory: where buyers and officers abroad find a manufacturer's service.

No sign-in. Only manufacturers who opted in are listed, and only outlets in service today; the
contact person's name stays off these pages (it is personal data, and the outlet's own phone
and email are what a buyer needs).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal import countries
from portal.accounts.models import Organisation
from portal.accounts.roles import OrgKind
from portal.db import db_session
from portal.errors import NotFound
from portal.outlets import queries, service
from portal.security import limiter, public

bp = Blueprint("directory", __name__, url_prefix="/directory")


def _listed_manufacturer(short_code: str) -> Organisation:
    org = db_session().scalar(
        sa.select(Organisation).where(
            Organisation.short_code == short_code.upper(),
            Organisation.kind == OrgKind.MANUFACTURER,
        )
    )
    # Not opted in looks exactly like not existing.
    if org is None or not org.is_active or not org.outlet_directory_public:
        raise NotFound(_("This manufacturer has no public outlet directory."))
    return org


@bp.route("/<short_code>")
@public
@limiter.limit("120 per minute")
def manufacturer(short_code: str) -> str:
    org = _listed_manufacturer(short_code)
    on = service.today()
    counts = queries.active_outlet_counts(db_session(), manufacturer_id=org.id, on=on)
    per_country = sorted(
        ((country, n) for (country, brand), n in counts.items() if brand is None),
        key=lambda item: countries.name_en(item[0]),
    )
    return render_template(
        "outlets/public_countries.html", org=org, per_country=per_country, today=on
    )


@bp.route("/<short_code>/<country>")
@public
@limiter.limit("120 per minute")
def country(short_code: str, country: str) -> str | Response:
    org = _listed_manufacturer(short_code)
    code = country.upper()
    if not countries.is_country(code):
        raise NotFound(_("No such country."))
    on = service.today()
    outlets = queries.outlets_active_in(
        db_session(), manufacturer_id=org.id, country=code, brand_id=None, on=on
    )
    if _wants_json():
        return jsonify(directory_document(org, code, outlets, on))
    return render_template(
        "outlets/public_country.html", org=org, country=code, outlets=outlets, today=on
    )


def _wants_json() -> bool:
    if request.args.get("format") == "json":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def directory_document(org: Organisation, country: str, outlets, on) -> dict:
    """Returns the country's page as JSON: the same outlets, the same fields, no contact
    person."""
    return {
        "manufacturer": {
            "short_code": org.short_code,
            "name_en": org.name_en,
            "name_zh": org.name_zh,
        },
        "country": {"code": country, "name_en": countries.name_en(country)},
        "in_service_on": on.isoformat(),
        "outlets": [
            {
                "name_local": v.name_local,
                "name_latin": v.name_latin,
                "address": v.address,
                "postcode": v.postcode,
                "city": v.city,
                "phone": v.phone,
                "email": v.email,
                "website": v.website,
                "service_types": list(v.service_types),
                "brands": [b.name for b in v.brands],
                "latitude": v.latitude,
                "longitude": v.longitude,
            }
            for v in outlets
        ],
    }
