"""Forms for outlets, the directory setting and the CSV import.

Fields are named like the CSV columns, and the checks live in the service (validation.py), so a
form and an import row accept and refuse the same values.
"""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.fields import SelectChoice

from portal import countries
from portal.accounts.models import Organisation
from portal.outlets.models import SERVICE_LABELS, ServiceType
from portal.outlets.values import FIELD_LABELS, VERSIONED

DATE = {"type": "date"}


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _text(name: str, **kwargs: object) -> StringField:
    return StringField(FIELD_LABELS[name], **kwargs)


class OutletForm(FlaskForm):
    outlet_code = _text("outlet_code")
    country = SelectField(FIELD_LABELS["country"], validate_choice=False)
    city = _text("city")
    name_local = _text("name_local")
    name_latin = _text("name_latin")
    address = _text("address")
    postcode = _text("postcode")
    phone = _text("phone", render_kw={"type": "tel"})
    email = _text("email", render_kw={"type": "email"})
    website = _text("website")
    contact_person = _text("contact_person")
    service_types = CheckboxesField(
        FIELD_LABELS["service_types"],
        choices=[SelectChoice(s.value, SERVICE_LABELS[s]) for s in ServiceType],
        validate_choice=False,
    )
    brands = CheckboxesField(FIELD_LABELS["brands"], validate_choice=False)
    active_from = _text("active_from", render_kw=DATE)
    active_until = _text("active_until", render_kw=DATE)
    latitude = _text("latitude", render_kw={"inputmode": "decimal"})
    longitude = _text("longitude", render_kw={"inputmode": "decimal"})
    # The version number the editor saw: a save based on an older one is refused.
    based_on = HiddenField()

    def for_manufacturer(self, manufacturer: Organisation) -> OutletForm:
        """Fills the choices: every country, and the manufacturer's brands."""
        self.country.choices = [
            SelectChoice("", "—"),
            *(SelectChoice(code, label) for code, label in countries.local_choices(get_locale())),
        ]
        self.brands.choices = [SelectChoice(brand.name) for brand in manufacturer.brands]
        return self

    def raw(self) -> dict[str, object]:
        """Returns the submitted values by column name, for the service to check."""
        data: dict[str, object] = {name: getattr(self, name).data for name in VERSIONED}
        data["outlet_code"] = self.outlet_code.data
        return data


class DeactivateForm(FlaskForm):
    last_day = StringField(_l("Last day of service"), render_kw=DATE)


class DirectoryForm(FlaskForm):
    public = BooleanField(_l("List our active outlets on the public directory"))


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV file (UTF-8)"),
        validators=[FileRequired(_l("Choose a CSV file."))],
        render_kw={"accept": ".csv,text/csv"},
    )


class EmptyForm(FlaskForm):
    """Only the CSRF token, for buttons that post."""
