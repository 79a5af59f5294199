"""A manufacturer's letter settings: body text, validity and seal image."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.accounts.models import Organisation, User
from portal.audit.record import record
from portal.db import utcnow
from portal.errors import ValidationError
from portal.letters.document.content import (
    BODY_PLACEHOLDERS,
    DEFAULT_BODY_EN,
    DEFAULT_BODY_ZH,
    TemplateError,
    fill_body,
)
from portal.letters.document.seal_image import (
    MAX_SEAL_PIXELS,
    MIN_SEAL_PIXELS,
    SealImageError,
    SealImageErrorCode,
    check_seal_upload,
)
from portal.letters.lifecycle.models import LetterSettings
from portal.storage import FileStorage

MIN_VALIDITY_DAYS, MAX_VALIDITY_DAYS = 1, 730


def letter_settings(session: Session, manufacturer: Organisation) -> LetterSettings:
    """Returns the manufacturer's settings, or the defaults (not stored: issuers reading them
    at the same time must not race to write them) when none were saved."""
    settings = session.get(LetterSettings, manufacturer.id)
    if settings is None:
        settings = LetterSettings(
            manufacturer_id=manufacturer.id,
            body_zh=DEFAULT_BODY_ZH,
            body_en=DEFAULT_BODY_EN,
            validity_days=180,
        )
    return settings


def _stored_settings(session: Session, manufacturer: Organisation) -> LetterSettings:
    settings = letter_settings(session, manufacturer)
    if settings not in session:
        session.add(settings)
    return settings


def _checked_body(text: str, field: str) -> str:
    body = (text or "").strip()
    if not body:
        raise ValidationError(_("The letter body cannot be empty."), field=field)
    try:
        fill_body(body, dict.fromkeys(BODY_PLACEHOLDERS, "x"))
    except TemplateError as error:
        raise ValidationError(
            _(
                "The body may use only {manufacturer_name}, {country_name} and {exporter_name}: "
                "%(reason)s",
                reason=str(error),
            ),
            field=field,
        ) from None
    return body


def update_letter_settings(
    session: Session,
    manufacturer: Organisation,
    *,
    body_zh: str,
    body_en: str,
    validity_days: int,
    actor: User,
) -> LetterSettings:
    """Saves the body texts and validity after checking them."""
    settings = _stored_settings(session, manufacturer)
    if not MIN_VALIDITY_DAYS <= validity_days <= MAX_VALIDITY_DAYS:
        raise ValidationError(
            _(
                "Validity is between %(low)d and %(high)d days.",
                low=MIN_VALIDITY_DAYS,
                high=MAX_VALIDITY_DAYS,
            ),
            field="validity_days",
        )
    settings.body_zh = _checked_body(body_zh, "body_zh")
    settings.body_en = _checked_body(body_en, "body_en")
    settings.validity_days = validity_days
    settings.updated_at, settings.updated_by_id = utcnow(), actor.id
    session.flush()
    record(
        session,
        "letter_settings.updated",
        actor=actor,
        obj=manufacturer,
        validity_days=validity_days,
    )
    return settings


def upload_seal_image(
    session: Session, manufacturer: Organisation, data: bytes, *, store: FileStorage, actor: User
) -> LetterSettings:
    """Stores a checked seal image (PNG with transparency) for the manufacturer's letters."""
    try:
        png = check_seal_upload(data)
    except SealImageError as error:
        raise ValidationError(seal_message(error), field="seal") from None
    settings = _stored_settings(session, manufacturer)
    key = f"seals/{manufacturer.id}/{utcnow():%Y%m%dT%H%M%S}.png"
    store.put(key, png, session=session)
    settings.seal_image_key = key
    settings.updated_at, settings.updated_by_id = utcnow(), actor.id
    session.flush()
    record(session, "letter_settings.seal_uploaded", actor=actor, obj=manufacturer)
    return settings


def seal_message(error: SealImageError) -> str:
    """Return why the seal image was refused, in the person's language."""
    size = {"width": error.width, "height": error.height}
    messages = {
        SealImageErrorCode.EMPTY: _("Choose the seal image file to upload."),
        SealImageErrorCode.TOO_LARGE: _(
            "The seal image is larger than %(n)d kB.", n=error.max_bytes // 1000
        ),
        SealImageErrorCode.NOT_PNG: _("The seal image must be a PNG file."),
        SealImageErrorCode.UNREADABLE: _("The seal image is not a readable PNG file."),
        SealImageErrorCode.PIXEL_SIZE: _(
            "The seal image is %(width)d×%(height)d pixels; it must be %(min)d to %(max)d "
            "pixels per side.",
            min=MIN_SEAL_PIXELS,
            max=MAX_SEAL_PIXELS,
            **size,
        ),
        SealImageErrorCode.NOT_SQUARE: _(
            "The seal image is %(width)d×%(height)d pixels; it must be about square.", **size
        ),
        SealImageErrorCode.NO_ALPHA: _(
            "The seal image needs a transparent background (an alpha channel)."
        ),
        SealImageErrorCode.OPAQUE_BACKGROUND: _(
            "The seal image needs a transparent background around the seal."
        ),
    }
    return messages[error.code]
