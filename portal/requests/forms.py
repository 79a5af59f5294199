"""Forms for requesting confirmations, importing batches and reviewing requests."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from portal.accounts.models import Brand
from portal.clock import today_in_china
from portal.countries import country_name, local_choices
from portal.errors import PortalError, ValidationError
from portal.requests.models import FUEL_LABELS, STATUS_LABELS, FuelType
from portal.requests.vetting import Addressee, VehicleInput, VehicleRejected
from portal.views_common import show_on_form


def fuel_choices() -> list[SelectChoice]:
    return [
        SelectChoice("", "—"),
        *(SelectChoice(fuel.value, FUEL_LABELS[fuel]) for fuel in FuelType),
    ]


def status_choices() -> list[SelectChoice]:
    return [
        SelectChoice("", _l("Any status")),
        *(SelectChoice(s.value, label) for s, label in STATUS_LABELS.items()),
    ]


class VehicleForm(FlaskForm):
    """The vehicle as on its Motor Vehicle Registration Certificate, and the certificate scan."""

    model = StringField(_l("Model"), validators=[DataRequired(), Length(max=120)])
    vin = StringField(_l("VIN (vehicle identification number)"), validators=[DataRequired()])
    registration_date = DateField(_l("Registration date"), validators=[DataRequired()])
    transfer_registration_date = DateField(
        _l("Transfer registration date awaiting export"), validators=[DataRequired()]
    )
    application_date = DateField(
        _l("Planned export licence application date"),
        default=today_in_china,
        validators=[Optional()],
    )
    engine_number = StringField(_l("Engine number"), validators=[Optional(), Length(max=40)])
    colour = StringField(_l("Colour"), validators=[Optional(), Length(max=40)])
    fuel_type = SelectField(_l("Fuel type"), validators=[Optional()])
    chassis_brand = StringField(
        _l("Chassis brand (modified vehicles)"), validators=[Optional(), Length(max=80)]
    )
    modified_brand = StringField(
        _l("Modified-vehicle brand (modified vehicles)"), validators=[Optional(), Length(max=80)]
    )
    modified_model = StringField(
        _l("Modified-vehicle model (modified vehicles)"), validators=[Optional(), Length(max=120)]
    )
    certificate = FileField(_l("Registration certificate scan (PDF, JPEG or PNG, up to 10 MB)"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fuel_type.choices = fuel_choices()

    def vehicle(self, *, brand_id: int | None, country: str) -> VehicleInput:
        """Return the typed values as a vehicle to vet."""
        return VehicleInput(
            brand_id=brand_id,
            country=country,
            model=self.model.data or "",
            vin=self.vin.data or "",
            registration_date=self.registration_date.data,
            transfer_registration_date=self.transfer_registration_date.data,
            application_date=self.application_date.data,
            engine_number=self.engine_number.data or "",
            colour=self.colour.data or "",
            fuel_type=FuelType(self.fuel_type.data) if self.fuel_type.data else None,
            chassis_brand=self.chassis_brand.data or "",
            modified_brand=self.modified_brand.data or "",
            modified_model=self.modified_model.data or "",
        )


class OnBehalfForm(VehicleForm):
    """A request a manufacturer enters for an exporter that has no account."""

    exporter_name = StringField(
        _l("Exporter's legal name"), validators=[DataRequired(), Length(max=200)]
    )
    exporter_uscc = StringField(
        _l("Exporter's unified social credit code"), validators=[DataRequired(), Length(max=30)]
    )


class BatchForm(FlaskForm):
    manufacturer = SelectField(_l("Manufacturer"), coerce=int, validators=[DataRequired()])
    file = FileField(_l("CSV file (UTF-8, up to 5,000 vehicles)"))
    scans = FileField(_l("Certificate scans (optional): a ZIP file, one scan per vehicle"))
    submit_now = BooleanField(_l("Submit the requests to the manufacturer at once"), default=True)


class RejectForm(FlaskForm):
    # Checked by transitions.checked_reason, which says what is wrong.
    reason = TextAreaField(_l("Reason for the rejection (the exporter sees it)"))


class BulkDecisionForm(FlaskForm):
    """Approve or reject the requests ticked in the queue (their ids come as request_ids)."""

    decision = SelectField(
        _l("Decision"),
        choices=[SelectChoice("approve", _l("Approve")), SelectChoice("reject", _l("Reject"))],
    )
    reason = TextAreaField(_l("Reason, when rejecting (the exporter sees it)"))


class QueueFilterForm(FlaskForm):
    """The review queue's filters, read from the query string."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), default="submitted")
    country = SelectField(_l("Destination country"), validators=[Optional()], validate_choice=False)
    brand = SelectField(_l("Brand"), validators=[Optional()])
    exporter = StringField(_l("Exporter (name or USCC)"), validators=[Optional(), Length(max=200)])
    submitted_from = DateField(_l("Submitted from"), validators=[Optional()])
    submitted_until = DateField(_l("Submitted until"), validators=[Optional()])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = status_choices()
        self.country.choices = [("", "—"), *local_choices(get_locale())]


def destination_choices(addressee: Addressee) -> list[tuple[Brand, list[tuple[str, str]]]]:
    """Return each brand with the countries (code, name) where it has active outlets today."""
    locale = str(get_locale())
    return [
        (
            brand,
            sorted(
                (
                    (code, country_name(code, locale))
                    for code in addressee.countries_by_brand[brand.id]
                ),
                key=lambda pair: pair[1],
            ),
        )
        for brand in sorted(addressee.brands.values(), key=lambda b: b.name)
    ]


def show_problems(form: FlaskForm, problems: list[PortalError]) -> None:
    """Puts every problem next to its field, or at the top of the form; a field the form
    itself already found wrong (an unreadable date, say) keeps its own message."""
    already = {name for name, field in form._fields.items() if field.errors}
    items = [
        ValidationError(item.message, field=item.field)
        for problem in problems
        for item in (problem.problems if isinstance(problem, VehicleRejected) else [problem])
    ]
    for item in items:
        if item.field not in already:
            show_on_form(form, item)
