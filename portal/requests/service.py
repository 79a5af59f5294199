"""Operations on letter requests. They flush; the caller commits.

Every change of status goes through `_move`, which asks the pure state machine (states.py)
and checks that the person acts for the request's own exporter or addressed manufacturer.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.accounts.models import Organisation, User
from portal.accounts.uscc import UsccError, validate_uscc
from portal.audit.record import record
from portal.db import utcnow
from portal.errors import Conflict, NotFound, PortalError, ValidationError
from portal.requests import states
from portal.requests.attachments import CheckedAttachment
from portal.requests.models import STATUS_LABELS, LetterRequest, RequestEvent
from portal.requests.states import RequestAction, RequestStatus, TransitionRefused
from portal.requests.uploads import Upload
from portal.requests.vetting import Addressee, CheckedVehicle, no_outlets_message
from portal.storage import FileStorage

# A new request for the same vehicle and country by the same exporter is refused while one of
# these exists; after a rejection or withdrawal the exporter may ask again.
PENDING = (RequestStatus.DRAFT, RequestStatus.SUBMITTED, RequestStatus.APPROVED)
MAX_REASON = 1000
MAX_BULK = 500


class ActionNotAllowed(PortalError):
    status_code = 403


@dataclass(frozen=True)
class ExporterIdentity:
    """Who a request is for: an organisation with an account, or a typed name and USCC."""

    organisation: Organisation | None = None
    name: str = ""
    uscc: str | None = None


@dataclass(frozen=True)
class StoredScan:
    """A certificate scan written to storage, as the request records it."""

    key: str
    checked: CheckedAttachment


def exporter_without_account(session: Session, name: str, uscc: str) -> ExporterIdentity:
    """Return the typed-in exporter, or raise ValidationError (also when it has an account)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("The exporter's legal name is required."), field="exporter_name")
    if len(name) > 200:
        raise ValidationError(_("At most %(n)d characters.", n=200), field="exporter_name")
    try:
        code = validate_uscc(uscc or "")
    except UsccError as error:
        raise ValidationError(
            _("Unified social credit code: %(reason)s.", reason=str(error)), field="exporter_uscc"
        ) from None
    holder = session.scalar(sa.select(Organisation).where(Organisation.uscc == code))
    if holder is not None:
        raise ValidationError(
            _(
                "%(name)s has an account on the Portal with this code: it requests "
                "confirmations itself.",
                name=holder.name_en,
            ),
            field="exporter_uscc",
        )
    return ExporterIdentity(name=name, uscc=code)


def store_scan(session: Session, store: FileStorage, upload: Upload) -> StoredScan:
    """Return the scan written under a new key; the file goes again if the session rolls back."""
    key = f"certificate-scans/{uuid.uuid4().hex}{upload.checked.extension}"
    store.put(key, upload.data, session=session)
    return StoredScan(key=key, checked=upload.checked)


def pending_duplicates(
    session: Session,
    *,
    manufacturer_id: int,
    exporter: ExporterIdentity,
    vehicles: Iterable[tuple[str, str]],
    excluding: int | None = None,
) -> dict[tuple[str, str], int]:
    """Return, for each (VIN, country) the exporter already has a pending request for, its id."""
    wanted = set(vehicles)
    if exporter.organisation is not None:
        same_exporter = LetterRequest.exporter_id == exporter.organisation.id
    else:
        same_exporter = LetterRequest.exporter_uscc == exporter.uscc
    found: dict[tuple[str, str], int] = {}
    vins = sorted({vin for vin, _country in wanted})
    for start in range(0, len(vins), 500):
        rows = session.execute(
            sa.select(LetterRequest.vin, LetterRequest.country, LetterRequest.id).where(
                LetterRequest.manufacturer_id == manufacturer_id,
                same_exporter,
                LetterRequest.vin.in_(vins[start : start + 500]),
                LetterRequest.status.in_(PENDING),
                LetterRequest.id != (excluding or 0),
            )
        )
        for vin, country, ident in rows:
            if (vin, country) in wanted:
                found.setdefault((vin, country), ident)
    return found


def _refuse_pending_duplicate(
    session: Session,
    addressee: Addressee,
    exporter: ExporterIdentity,
    vehicle: CheckedVehicle,
    excluding: int | None = None,
) -> None:
    found = pending_duplicates(
        session,
        manufacturer_id=addressee.manufacturer.id,
        exporter=exporter,
        vehicles=[(vehicle.vin, vehicle.country)],
        excluding=excluding,
    )
    if found:
        raise Conflict(
            _(
                "Request #%(id)d for this vehicle and country is still open; withdraw it "
                "before asking again.",
                id=next(iter(found.values())),
            ),
            field="vin",
        )


def _stored(
    session: Session, store: FileStorage | None, upload: Upload | None
) -> StoredScan | None:
    if upload is None:
        return None
    if store is None:
        raise ValueError("a scan needs a storage to be written to")
    return store_scan(session, store, upload)


def _vehicle_values(vehicle: CheckedVehicle) -> dict[str, object]:
    return {
        "brand_id": vehicle.brand.id,
        "country": vehicle.country,
        "model": vehicle.model,
        "vin": vehicle.vin,
        "registration_date": vehicle.registration_date,
        "transfer_registration_date": vehicle.transfer_registration_date,
        "application_date": vehicle.application_date,
        "engine_number": vehicle.engine_number,
        "colour": vehicle.colour,
        "fuel_type": vehicle.fuel_type,
        "chassis_brand": vehicle.chassis_brand,
        "modified_brand": vehicle.modified_brand,
        "modified_model": vehicle.modified_model,
    }


def _scan_values(scan: StoredScan) -> dict[str, object]:
    return {
        "attachment_key": scan.key,
        "attachment_sha256": scan.checked.sha256,
        "attachment_content_type": scan.checked.content_type,
        "attachment_size": scan.checked.size,
        "attachment_filename": scan.checked.filename,
    }


def request_values(
    *,
    vehicle: CheckedVehicle,
    addressee: Addressee,
    exporter: ExporterIdentity,
    actor: User,
    submit: bool,
    now: datetime,
) -> dict[str, object]:
    """Return the column values of a new request, as a draft or submitted at once."""
    status = RequestStatus.SUBMITTED if submit else RequestStatus.DRAFT
    return {
        "exporter_id": exporter.organisation.id if exporter.organisation else None,
        "exporter_name": exporter.name,
        "exporter_uscc": exporter.uscc,
        "manufacturer_id": addressee.manufacturer.id,
        "status": status,
        "rejection_reason": "",
        "created_by_id": actor.id,
        "created_at": now,
        "updated_at": now,
        "submitted_by_id": actor.id if submit else None,
        "submitted_at": now if submit else None,
        **_vehicle_values(vehicle),
    }


def new_request(
    *,
    vehicle: CheckedVehicle,
    addressee: Addressee,
    exporter: ExporterIdentity,
    actor: User,
    submit: bool,
    scan: StoredScan | None = None,
) -> LetterRequest:
    """Return a new request (not yet added to a session) with its creation event."""
    now = utcnow()
    values = request_values(
        vehicle=vehicle, addressee=addressee, exporter=exporter, actor=actor, submit=submit, now=now
    )
    request = LetterRequest(**values, **(_scan_values(scan) if scan else {}))
    request.events.append(RequestEvent(at=now, actor_id=actor.id, to_status=request.status))
    return request


def create_request(
    session: Session,
    *,
    vehicle: CheckedVehicle,
    addressee: Addressee,
    exporter: ExporterIdentity,
    actor: User,
    submit: bool = False,
    upload: Upload | None = None,
    store: FileStorage | None = None,
) -> LetterRequest:
    """Return a new request for one vehicle, as a draft or submitted at once.

    The scan is written only after every check passed, so a refusal leaves no file behind.
    """
    _refuse_pending_duplicate(session, addressee, exporter, vehicle)
    scan = _stored(session, store, upload)
    request = new_request(
        vehicle=vehicle,
        addressee=addressee,
        exporter=exporter,
        actor=actor,
        submit=submit,
        scan=scan,
    )
    session.add(request)
    session.flush()
    record(
        session,
        "request.created",
        actor=actor,
        obj=request,
        vin=request.vin,
        country=request.country,
        manufacturer_id=request.manufacturer_id,
        status=request.status.value,
        on_behalf=request.on_behalf,
    )
    return request


def update_draft(
    session: Session,
    request: LetterRequest,
    vehicle: CheckedVehicle,
    *,
    addressee: Addressee,
    actor: User,
    upload: Upload | None = None,
    store: FileStorage | None = None,
) -> None:
    """Changes a draft's vehicle data (and scan, if a new one is given)."""
    _check_move(request, RequestAction.EDIT, actor)
    exporter = ExporterIdentity(request.exporter, request.exporter_name, request.exporter_uscc)
    _refuse_pending_duplicate(session, addressee, exporter, vehicle, excluding=request.id)
    scan = _stored(session, store, upload)
    for name, value in _vehicle_values(vehicle).items():
        setattr(request, name, value)
    # A replaced scan's file is kept: the audit trail names its hash.
    for name, value in (_scan_values(scan) if scan else {}).items():
        setattr(request, name, value)
    request.updated_at = utcnow()
    session.flush()
    record(
        session, "request.edited", actor=actor, obj=request, vin=request.vin, new_scan=bool(scan)
    )


def _check_move(request: LetterRequest, action: RequestAction, actor: User) -> RequestStatus:
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
    target = _check_move(request, action, actor)
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


def submit_request(
    session: Session, request: LetterRequest, *, actor: User, addressee: Addressee
) -> None:
    """Sends a draft to its manufacturer, if the brand still has outlets in the country."""
    _check_move(request, RequestAction.SUBMIT, actor)
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
    requests = list(
        session.scalars(
            sa.select(LetterRequest).where(
                LetterRequest.id.in_(ids),
                LetterRequest.manufacturer_id == actor.organisation_id,
                LetterRequest.submitted_at.is_not(None),
            )
        )
    )
    if len(requests) != len(ids):
        raise NotFound(_("No such request."))
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
