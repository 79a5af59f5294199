"""Changes of a request's status: submit, withdraw, approve, reject, and issue (for the
letters). They flush; the caller commits.

Every change goes through `_move`, which asks the pure state machine (states.py) and checks
that the person acts for the request's own exporter or addressed manufacturer.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.audit.record import record
from portal.db import utcnow
from portal.errors import Conflict, NotFound, PortalError, ValidationError
from portal.notifications import service as notices
from portal.requests import states
from portal.requests.models import STATUS_LABELS, LetterRequest, RequestEvent
from portal.requests.states import RequestAction, RequestStatus, TransitionRefused
from portal.requests.vetting import Addressee, no_outlets_message

MAX_REASON = 1000
MAX_BULK = 500


class ActionNotAllowed(PortalError):
    status_code = 403


def check_move(request: LetterRequest, action: RequestAction, actor: User) -> RequestStatus:
    """Return the status the action leads to, after checking who acts and from where."""
    acting_for = (
        request.exporter_id if str(actor.role) in states.EXPORTER_ROLES else request.manufacturer_id
    )
    if acting_for is None or acting_for != actor.organisation_id:
        raise NotFound(_("No such request."))
    try:
        return states.next_status(request.status, action, actor.role)
    except TransitionRefused as refused:
        if refused.code is states.RefusalCode.ROLE:
            raise ActionNotAllowed(_("Your role does not allow this.")) from None
        raise Conflict(
            _(
                "Request #%(id)d is %(status)s: this cannot be done any more.",
                id=request.id,
                status=str(STATUS_LABELS[request.status]).lower(),
            )
        ) from None


def _move(
    session: Session, request: LetterRequest, action: RequestAction, actor: User, note: str = ""
) -> None:
    target = check_move(request, action, actor)
    now = utcnow()
    request.events.append(
        RequestEvent(
            at=now,
            actor_id=actor.id,
            action=action,
            from_status=request.status,
            to_status=target,
            note=note,
        )
    )
    request.status = target
    request.updated_at = now
    if action is RequestAction.SUBMIT:
        request.submitted_at, request.submitted_by_id = now, actor.id
    elif action in (RequestAction.APPROVE, RequestAction.REJECT):
        request.decided_at, request.decided_by_id = now, actor.id
    if action is RequestAction.REJECT:
        request.rejection_reason = note
    session.flush()
    record(session, f"request.{target.value}", actor=actor, obj=request, vin=request.vin)
    if action is RequestAction.REJECT:
        notices.request_rejected(session, request)


def submit_request(
    session: Session, request: LetterRequest, *, actor: User, addressee: Addressee
) -> None:
    """Sends a draft to its manufacturer, if the brand still has outlets in the country."""
    check_move(request, RequestAction.SUBMIT, actor)
    if request.country not in addressee.countries_by_brand.get(request.brand_id, ()):
        raise ValidationError(no_outlets_message(addressee, request.brand, request.country))
    _move(session, request, RequestAction.SUBMIT, actor)


def withdraw_request(session: Session, request: LetterRequest, *, actor: User) -> None:
    """Withdraws a draft or a submitted request; it cannot come back."""
    _move(session, request, RequestAction.WITHDRAW, actor)


def approve_request(session: Session, request: LetterRequest, *, actor: User) -> None:
    """Approves a submitted request; it then waits for its letter to be issued."""
    _move(session, request, RequestAction.APPROVE, actor)


def reject_request(session: Session, request: LetterRequest, *, actor: User, reason: str) -> None:
    """Rejects a submitted request with a reason the exporter sees."""
    _move(session, request, RequestAction.REJECT, actor, note=checked_reason(reason))


def mark_issued(session: Session, request: LetterRequest, *, actor: User) -> None:
    """Marks an approved request as issued; letter issuance calls this with the letter."""
    _move(session, request, RequestAction.ISSUE, actor)


def checked_reason(reason: str) -> str:
    """Return the rejection reason trimmed, or raise ValidationError if empty or too long."""
    text = (reason or "").strip()
    if not text:
        raise ValidationError(
            _("Give the reason for the rejection: the exporter sees it."), field="reason"
        )
    if len(text) > MAX_REASON:
        raise ValidationError(_("At most %(n)d characters.", n=MAX_REASON), field="reason")
    return text


def decide_many(
    session: Session,
    *,
    request_ids: Sequence[int],
    action: RequestAction,
    actor: User,
    reason: str = "",
) -> list[LetterRequest]:
    """Return the requests approved or rejected together; all of them or none.

    A request of another manufacturer gives NotFound; one no longer awaiting a decision
    gives Conflict naming it; either way nothing is changed.
    """
    if action not in (RequestAction.APPROVE, RequestAction.REJECT):
        raise ValidationError(_("Choose approve or reject."))
    if str(actor.role) not in states.DECIDING_ROLES:
        raise ActionNotAllowed(_("Your role does not allow this."))
    ids = sorted(set(request_ids))
    if not ids:
        raise ValidationError(_("Select at least one request."))
    if len(ids) > MAX_BULK:
        raise ValidationError(_("Select at most %(n)d requests at once.", n=MAX_BULK))
    note = checked_reason(reason) if action is RequestAction.REJECT else ""
    requests = _addressed_to(session, actor.organisation_id, ids)
    stale = [r.id for r in requests if not states.may(r.status, action, actor.role)]
    if stale:
        raise Conflict(
            _(
                "Not awaiting a decision any more: %(ids)s. Nothing was changed.",
                ids=", ".join(f"#{i}" for i in sorted(stale)),
            )
        )
    for request in requests:
        _move(session, request, action, actor, note=note)
    return requests


def _addressed_to(session: Session, manufacturer_id: int, ids: list[int]) -> list[LetterRequest]:
    """Return the submitted requests with these ids addressed to the manufacturer, or raise
    NotFound if any is missing or another's."""
    requests = list(
        session.scalars(
            sa.select(LetterRequest).where(
                LetterRequest.id.in_(ids),
                LetterRequest.manufacturer_id == manufacturer_id,
                LetterRequest.submitted_at.is_not(None),
            )
        )
    )
    if len(requests) != len(ids):
        raise NotFound(_("No such request."))
    return requests
