"""The platform administrator's form for a new API key (not a public page: not among the
verification pages' translated messages)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange


class ApiKeyForm(FlaskForm):
    """A new API key: whose system it is for, and its quotas."""

    name = StringField(
        _l("Licensing system"),
        validators=[DataRequired(_l("Name the system the key is for.")), Length(max=120)],
    )
    checks_per_minute = IntegerField(
        _l("Checks per minute"),
        validators=[InputRequired(), NumberRange(min=1, max=100_000)],
    )
    misses_per_hour = IntegerField(
        _l("Number-and-code misses per hour"),
        validators=[InputRequired(), NumberRange(min=1, max=100_000)],
    )
