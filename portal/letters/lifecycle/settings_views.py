"""A manufacturer's letter settings (body, validity, seal) with a specimen preview, and its
keys: rotation, compromise, certificates."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.access import current_org
from portal.accounts.roles import MANUFACTURER_ROLES, Role
from portal.db import db_session
from portal.errors import NotFound, PortalError
from portal.letters.keys import keyring
from portal.letters.keys.models import SealKey, SigningCertificate
from portal.letters.keys.uploaded_certificates import MAX_FILE, read_upload
from portal.letters.lifecycle.context import authority_profile, master_key
from portal.letters.lifecycle.forms import (
    CertificateUploadForm,
    CompromisedForm,
    SealForm,
    SettingsForm,
)
from portal.letters.lifecycle.public_address import configured_base_url, letters_base_url
from portal.letters.lifecycle.rendering import specimen_pdf
from portal.letters.lifecycle.settings import (
    letter_settings,
    update_letter_settings,
    upload_seal_image,
)
from portal.security import allow
from portal.storage import storage
from portal.views_common import show_on_form

bp = Blueprint("letter_settings", __name__, url_prefix="/letters/settings")
# Only the administrator changes what letters say and what they are signed with.
ADMIN = Role.MANUFACTURER_ADMIN


@bp.route("", methods=["GET", "POST"])
@allow(*MANUFACTURER_ROLES)
def settings() -> str | Response:
    org = current_org()
    current = letter_settings(db_session(), org)
    form = SettingsForm(obj=current)
    if form.validate_on_submit() and current_user.role is ADMIN:
        try:
            with db_session().begin_nested():
                update_letter_settings(
                    db_session(),
                    org,
                    body_zh=form.body_zh.data or "",
                    body_en=form.body_en.data or "",
                    validity_days=form.validity_days.data or 0,
                    actor=current_user,
                )
        except PortalError as error:
            show_on_form(form, error)
        else:
            flash(_("The letter settings are saved."), "success")
            return redirect(url_for("letter_settings.settings"))
    return render_template(
        "letters/settings.html",
        form=form,
        seal=SealForm(),
        settings=current,
        base_url=configured_base_url(current_app),
    )


@bp.route("/seal", methods=["POST"])
@allow(ADMIN)
def seal() -> Response:
    form = SealForm()
    upload = form.seal.data
    try:
        with db_session().begin_nested():
            data = upload.read(2_000_001) if upload else b""
            upload_seal_image(
                db_session(), current_org(), data, store=storage(), actor=current_user
            )
    except PortalError as error:
        flash(error.message, "error")
    else:
        flash(_("The seal image is saved; the next letters carry it."), "success")
    return redirect(url_for("letter_settings.settings"))


@bp.route("/specimen.pdf")
@allow(*MANUFACTURER_ROLES)
def specimen() -> Response:
    org = current_org()
    pdf = specimen_pdf(
        db_session(),
        org,
        letter_settings(db_session(), org),
        storage(),
        current_app.config.get("PDF_FONT_PATH"),
    )
    return send_file(
        BytesIO(pdf), mimetype="application/pdf", download_name=f"{org.short_code}-specimen.pdf"
    )


@bp.route("/keys")
@allow(*MANUFACTURER_ROLES)
def keys() -> str:
    return _keys_page()


def _keys_page(refused: SealKey | None = None, form: CompromisedForm | None = None) -> str:
    """Returns the keys page; `form` is the compromise form refused for the key `refused`,
    shown open with its errors in that key's row."""
    org_id = current_org().id
    seal_keys = db_session().scalars(
        sa.select(SealKey).where(SealKey.manufacturer_id == org_id).order_by(SealKey.id.desc())
    )
    certificates = db_session().scalars(
        sa.select(SigningCertificate)
        .where(SigningCertificate.manufacturer_id == org_id)
        .order_by(SigningCertificate.id.desc())
    )
    return render_template(
        "letters/keys.html",
        seal_keys=list(seal_keys),
        certificates=list(certificates),
        compromised=CompromisedForm(formdata=None),
        refused_key_id=refused.id if refused is not None else None,
        refused_form=form,
        upload=CertificateUploadForm(formdata=None),
    )


@bp.route("/keys/rotate", methods=["POST"])
@allow(ADMIN)
def rotate() -> Response:
    key = keyring.new_seal_key(
        db_session(),
        current_org(),
        master_key(current_app, changing_keys=True),
        actor=current_user,
    )
    flash(
        _("New seal key %(kid)s is active; earlier letters still verify.", kid=key.kid), "success"
    )
    return redirect(url_for("letter_settings.keys"))


@bp.route("/keys/<int:key_id>/compromised", methods=["POST"])
@allow(ADMIN)
def compromised(key_id: int) -> Response | tuple[str, int]:
    key = db_session().scalar(
        sa.select(SealKey).where(SealKey.id == key_id, SealKey.manufacturer_id == current_org().id)
    )
    if key is None:
        raise NotFound(_("No such key."))
    form = CompromisedForm()
    if not form.validate_on_submit():
        form.form_errors.append(
            _("Give the time from which the key is compromised, and what happened.")
        )
        return _keys_page(key, form), 400
    try:
        with db_session().begin_nested():
            keyring.mark_compromised(
                db_session(),
                key,
                since=form.since.data.replace(tzinfo=UTC),
                reason=form.reason.data or "",
                actor=current_user,
            )
    except PortalError as error:
        show_on_form(form, error)
        return _keys_page(key, form), 400
    flash(
        _(
            "Key %(kid)s is marked compromised. Letters it sealed after that time no longer "
            "verify.",
            kid=key.kid,
        ),
        "success",
    )
    return redirect(url_for("letter_settings.keys"))


@bp.route("/certificates/renew", methods=["POST"])
@allow(ADMIN)
def renew_certificate() -> Response:
    keyring.issue_portal_certificate(
        db_session(),
        current_org(),
        master_key(current_app, changing_keys=True),
        # The certificate points to the CRL under the letters' address: none, no certificate.
        profile=authority_profile(current_app, letters_base_url(current_app)),
        actor=current_user,
    )
    flash(_("A new signing certificate from the Portal's authority is active."), "success")
    return redirect(url_for("letter_settings.keys"))


@bp.route("/certificates/upload", methods=["POST"])
@allow(ADMIN)
def upload_certificate() -> Response:
    form = CertificateUploadForm()
    names = ("pkcs12", "certificate", "private_key", "chain")
    files = {name: getattr(form, name).data for name in names}
    data = {name: f.read(MAX_FILE + 1) if f else b"" for name, f in files.items()}
    try:
        uploaded = read_upload(
            pkcs12_file=data["pkcs12"],
            certificate_pem=data["certificate"],
            key_pem=data["private_key"],
            chain_pem=data["chain"],
            password=form.password.data,
            now=datetime.now(UTC),
        )
        with db_session().begin_nested():
            keyring.upload_certificate(
                db_session(),
                current_org(),
                uploaded,
                master_key=master_key(current_app, changing_keys=True),
                actor=current_user,
            )
    except PortalError as error:
        flash(error.message, "error")
    else:
        flash(_("Your certificate is active for the next letters."), "success")
    return redirect(url_for("letter_settings.keys"))
