"""The letter an order would give, previewed before issuing: checked as an issuance is and
rendered the same way, but with the specimen number and QR code, unsigned, and nothing taken,
stored or written."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from portal.accounts.models import Organisation
from portal.letters.lifecycle.checks import check_order
from portal.letters.lifecycle.orders import LetterOrder
from portal.letters.lifecycle.rendering import (
    SPECIMEN_NUMBER,
    checked_document_fields,
    seal_png,
    specimen_render,
)
from portal.letters.lifecycle.settings import letter_settings
from portal.storage import FileStorage


def preview_pdf(
    session: Session,
    order: LetterOrder,
    store: FileStorage,
    *,
    today: date,
    font_path: str | None = None,
) -> bytes:
    """Returns the unsigned specimen PDF of the letter the order would give if issued today,
    or raises the PortalError issuing it would raise."""
    manufacturer = session.get(Organisation, order.manufacturer_id)
    checked = check_order(session, manufacturer, order, today)
    settings = letter_settings(session, manufacturer)
    fields = checked_document_fields(
        manufacturer,
        settings,
        checked,
        number=SPECIMEN_NUMBER,
        issue_date=today,
        valid_until=today + timedelta(days=settings.validity_days),
        seal=seal_png(settings, manufacturer, store, font_path),
    )
    return specimen_render(fields, font_path)
