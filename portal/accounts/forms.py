"""Forms for signing in, passwords, users and organisations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from portal.accounts.roles import KIND_LABELS, ROLE_LABELS, ROLES_OF_KIND, OrgKind


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class ChangePasswordForm(SetPasswordForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])


def role_choices(kind: OrgKind) -> list[SelectChoice]:
    """Returns the choices of the roles an organisation of this kind has."""
    return [SelectChoice(role.value, str(ROLE_LABELS[role])) for role in ROLES_OF_KIND[kind]]


class InviteUserForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), validators=[DataRequired()])

    def offer_roles(self, kind: OrgKind) -> InviteUserForm:
        """Offers the roles of this kind of organisation; a new form starts on the least
        privileged one, so that more rights are always a deliberate choice."""
        self.role.choices = role_choices(kind)
        if not self.is_submitted():
            self.role.data = ROLES_OF_KIND[kind][-1].value
        return self


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), validators=[DataRequired()])


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that post."""


class OrganisationForm(FlaskForm):
    kind = SelectField(
        _l("Kind"),
        choices=[
            SelectChoice(k.value, KIND_LABELS[k]) for k in (OrgKind.MANUFACTURER, OrgKind.EXPORTER)
        ],
    )
    name_en = StringField(_l("Legal name (English)"), validators=[DataRequired(), Length(max=200)])
    name_zh = StringField(_l("Legal name (Chinese)"), validators=[Optional(), Length(max=200)])
    uscc = StringField(
        _l("Unified social credit code"), validators=[DataRequired(), Length(max=30)]
    )
    short_code = StringField(
        _l("Short code for letter numbers (manufacturers)"), validators=[Optional(), Length(max=12)]
    )
    brands = TextAreaField(_l("Brands, one per line (manufacturers)"), validators=[Optional()])
    wmis = TextAreaField(
        _l("WMI codes owned, one per line (manufacturers)"), validators=[Optional()]
    )
    admin_email = EmailField(
        _l("First administrator's email"), validators=[DataRequired(), Length(max=254)]
    )
    admin_name = StringField(
        _l("First administrator's name"), validators=[DataRequired(), Length(max=120)]
    )


class BrandsWmisForm(FlaskForm):
    brands = TextAreaField(_l("Brands to add, one per line"), validators=[Optional()])
    wmis = TextAreaField(_l("WMI codes to add, one per line"), validators=[Optional()])


def lines(text: str | None) -> list[str]:
    """Returns the non-empty lines (or comma-separated items) of a text area."""
    return [item.strip() for item in (text or "").replace(",", "\n").splitlines() if item.strip()]


class SecondFactorForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[DataRequired(), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"},
    )


class EnrolForm(FlaskForm):
    code = StringField(
        _l("6-digit code the app shows now"),
        validators=[DataRequired(), Length(max=10)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
