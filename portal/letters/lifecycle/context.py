"""What the web layer hands to issuance: the context from configuration, the order from a
form."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cryptography import x509
from flask import Flask
from flask_babel import get_locale
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from portal.accounts.models import Organisation
from portal.clock import today_in_china
from portal.countries import local_choices
from portal.letters.keys.authority import AuthorityProfile
from portal.letters.keys.errors import keys_unavailable, timestamp_unavailable
from portal.letters.lifecycle.forms import IssueForm
from portal.letters.lifecycle.issuance import IssuanceContext
from portal.letters.lifecycle.orders import LetterOrder
from portal.letters.lifecycle.public_address import (
    DEVELOPMENT_BASE_URL,
    configured_base_url,
    letters_base_url,
)
from portal.outlets.queries import countries_with_active_outlets
from portal.requests.models import FuelType
from portal.signing import MasterKeyError, parse_master_key
from portal.signing.pades import TimestampService
from portal.storage import storage_for


def master_key(app: Flask, *, changing_keys: bool = False) -> bytes:
    """Returns the configured master key, or raises KeysUnavailable (worded for an issuance,
    or for a change of keys)."""
    try:
        return parse_master_key(app.config.get("MASTER_KEY"))
    except MasterKeyError:
        raise keys_unavailable(changing_keys=changing_keys) from None


def issuance_context(app: Flask, actor: Any) -> IssuanceContext:
    """Returns the issuance context from the app's configuration."""
    base_url = letters_base_url(app)
    return IssuanceContext(
        master_key=master_key(app),
        base_url=base_url,
        store=storage_for(app),
        actor=actor,
        font_path=app.config.get("PDF_FONT_PATH"),
        authority=authority_profile(app, base_url),
        timestamp=timestamp_service(app),
    )


def authority_profile(app: Flask, base_url: str | None = None) -> AuthorityProfile:
    """Returns the operator's name for the Portal's root, and where its CRL is published:
    under ``base_url``, else the configured address (only a root, which names no address,
    is made without one)."""
    return AuthorityProfile(
        organisation=app.config["AUTHORITY_ORGANISATION"],
        country=app.config["AUTHORITY_COUNTRY"],
        public_base_url=base_url or configured_base_url(app) or DEVELOPMENT_BASE_URL,
    )


def timestamp_service(app: Flask) -> TimestampService | None:
    """Returns the configured RFC 3161 timestamping service, or None; raises
    TimestampUnavailable when the file of its root certificates cannot be read."""
    url = app.config.get("TSA_URL")
    if not url:
        return None
    path = app.config.get("TSA_CA_FILE")
    try:
        roots = _certificates_in(path) if path else ()
    except (OSError, ValueError):
        raise timestamp_unavailable() from None
    return TimestampService(url, roots, timeout=float(app.config["TSA_TIMEOUT_SECONDS"]))


@lru_cache(maxsize=4)
def _certificates_in(path: str) -> tuple[x509.Certificate, ...]:
    with open(path, "rb") as handle:
        return tuple(x509.load_pem_x509_certificates(handle.read()))


def issue_form_choices(form: IssueForm, org: Organisation, session: Session) -> None:
    """Fills the form's brand, fuel type and country choices: only the countries where the
    manufacturer has active outlets today, since a letter anywhere else is impossible."""
    form.brand_id.choices = [SelectChoice(b.id, b.name) for b in org.brands]
    covered = countries_with_active_outlets(
        session, manufacturer_id=org.id, brand_id=None, on=today_in_china()
    )
    form.country.choices = [
        SelectChoice(code, name) for code, name in local_choices(get_locale(), list(covered))
    ]
    form.fuel_type.choices = [SelectChoice("", "—")] + [
        SelectChoice(f.value, f.value) for f in FuelType
    ]


def order_from_form(form: IssueForm, org: Organisation, supersedes: Any) -> LetterOrder:
    """Returns the letter order the form describes."""
    return LetterOrder(
        manufacturer_id=org.id,
        brand_id=form.brand_id.data,
        model=form.model.data or "",
        vin=form.vin.data or "",
        registration_date=form.registration_date.data,
        transfer_registration_date=form.transfer_registration_date.data,
        country=form.country.data or "",
        exporter_name=form.exporter_name.data or "",
        exporter_uscc=form.exporter_uscc.data or "",
        engine_number=form.engine_number.data or "",
        colour=form.colour.data or "",
        fuel_type=form.fuel_type.data or "",
        issue_key=form.issue_key.data or None,
        supersedes_id=supersedes.id if supersedes is not None else None,
    )
