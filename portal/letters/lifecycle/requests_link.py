"""Where letters meet exporters' requests: the order a request makes, and marking it issued."""

from __future__ import annotations

from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.letters.lifecycle.models import Letter
from portal.letters.lifecycle.orders import LetterOrder
from portal.notifications import service as notices
from portal.requests.models import LetterRequest
from portal.requests.transitions import mark_issued


def order_for_request(
    request: LetterRequest, *, issue_key: str | None = None, reserved: tuple[int, int] | None = None
) -> LetterOrder:
    """Returns the letter order for an approved request."""
    exporter = request.exporter
    return LetterOrder(
        manufacturer_id=request.manufacturer_id,
        brand_id=request.brand_id,
        model=request.model,
        vin=request.vin,
        registration_date=request.registration_date,
        transfer_registration_date=request.transfer_registration_date,
        country=request.country,
        exporter_name=exporter.name_zh or exporter.name_en if exporter else request.exporter_name,
        exporter_uscc=(exporter.uscc if exporter else request.exporter_uscc) or "",
        exporter_id=request.exporter_id,
        engine_number=request.engine_number,
        colour=request.colour,
        fuel_type=request.fuel_type.value if request.fuel_type else "",
        issue_key=issue_key or f"request-{request.id}",
        request_id=request.id,
        reserved=reserved,
    )


def mark_request_issued(
    session: Session, request: LetterRequest, letter: Letter, *, actor: User
) -> None:
    """Moves the request to issued; the letter points at the request."""
    if letter.request_id != request.id:
        raise ValueError("the letter does not answer this request")
    mark_issued(session, request, actor=actor)
    notices.letter_ready(session, letter)
