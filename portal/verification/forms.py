"""The public check page's forms: a pasted code or URL, a letter number with its short
code, and a PDF upload."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from portal.signing.token import MAX_INPUT_CHARS, MAX_SHORT_CODE_INPUT
from portal.verification.service import MAX_NUMBER_CHARS


class TokenForm(FlaskForm):
    token = StringField(
        _l("Text of the QR code (the verification link)"),
        validators=[
            DataRequired(_l("Paste the link or code read from the QR code.")),
            Length(max=MAX_INPUT_CHARS, message=_l("This is longer than any letter's code.")),
        ],
    )


class CodeForm(FlaskForm):
    number = StringField(
        _l("Letter number"),
        validators=[
            DataRequired(_l("Type the letter number printed under the QR code.")),
            Length(max=MAX_NUMBER_CHARS, message=_l("A letter number has at most 32 characters.")),
        ],
    )
    code = StringField(
        _l("Verification code"),
        validators=[
            DataRequired(_l("Type the verification code printed under the QR code.")),
            Length(
                max=MAX_SHORT_CODE_INPUT,
                message=_l("A verification code has ten letters and digits."),
            ),
        ],
    )


class PdfForm(FlaskForm):
    file = FileField(_l("The letter's PDF file"))
