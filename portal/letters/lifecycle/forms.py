"""Forms for issuing, revoking and superseding letters, and for letter settings and keys."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class IssueForm(FlaskForm):
    """A letter issued directly by a manufacturer (not from an exporter's request)."""

    issue_key = HiddenField()
    brand_id = SelectField(_l("Brand"), coerce=int, validators=[DataRequired()])
    model = StringField(_l("Model"), validators=[DataRequired(), Length(max=120)])
    vin = StringField(_l("VIN"), validators=[DataRequired(), Length(max=40)])
    registration_date = DateField(_l("Registration date"), validators=[DataRequired()])
    transfer_registration_date = DateField(
        _l("Transfer registration date awaiting export"), validators=[DataRequired()]
    )
    engine_number = StringField(_l("Engine number"), validators=[Optional(), Length(max=40)])
    colour = StringField(_l("Colour"), validators=[Optional(), Length(max=40)])
    fuel_type = SelectField(_l("Fuel type"), validators=[Optional()])
    country = SelectField(_l("Destination country"), validators=[DataRequired()])
    exporter_name = StringField(
        _l("Exporter's legal name"), validators=[DataRequired(), Length(max=200)]
    )
    exporter_uscc = StringField(
        _l("Exporter's unified social credit code"), validators=[Optional(), Length(max=30)]
    )

    def ensure_issue_key(self) -> None:
        """Gives the form a fresh key, so that submitting it twice issues one letter."""
        if not self.issue_key.data:
            self.issue_key.data = secrets.token_urlsafe(24)


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for the revocation"), validators=[DataRequired(), Length(max=500)]
    )


class SettingsForm(FlaskForm):
    body_zh = TextAreaField(_l("Letter body in Chinese"), validators=[DataRequired()])
    body_en = TextAreaField(_l("Letter body in English"), validators=[DataRequired()])
    validity_days = IntegerField(
        _l("Validity in days"), validators=[DataRequired(), NumberRange(1, 730)]
    )


class SealForm(FlaskForm):
    seal = FileField(_l("Seal image (PNG with a transparent background)"))


class CompromisedForm(FlaskForm):
    since = DateTimeLocalField(
        _l("Compromised since (UTC)"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )
    reason = TextAreaField(_l("What happened"), validators=[DataRequired(), Length(max=500)])


class CertificateUploadForm(FlaskForm):
    """A manufacturer's own signing certificate: PEM files, or one PKCS#12 file."""

    certificate = FileField(_l("Certificate (PEM)"))
    private_key = FileField(_l("Private key (PEM: RSA or EC)"))
    pkcs12 = FileField(_l("Or instead: one PKCS#12 file (.p12, .pfx) with certificate and key"))
    password = PasswordField(
        _l("Password of the private key or of the PKCS#12 file, if any"),
        validators=[Optional(), Length(max=200)],
    )
    chain = FileField(_l("Issuing certificates (PEM), if any"))
