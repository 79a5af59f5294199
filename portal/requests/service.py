"""Creating and editing letter requests, and their scans. They flush; the caller commits.

Changes of status are in transitions.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.accounts.models import Organisation, User
from portal.accounts.uscc import UsccError, validate_uscc
from portal.audit.record import record
from portal.db import utcnow
from portal.errors import Conflict, ValidationError
from portal.requests.attachments import CheckedAttachment
from portal.requests.models import LetterRequest, RequestEvent
from portal.requests.states import RequestAction, RequestStatus
from portal.requests.transitions import check_move
from portal.requests.uploads import Upload
from portal.requests.vetting import Addressee, CheckedVehicle
from portal.storage import FileStorage

# A new request for the same vehicle and country by the same exporter is refused while one of
# these exists; after a rejection or withdrawal the exporter may ask again.
PENDING = (RequestStatus.DRAFT, RequestStatus.SUBMITTED, RequestStatus.APPROVED)


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


def scan_values(scan: StoredScan | None) -> dict[str, object]:
    """Return a request's scan columns for the stored scan, all None when there is none."""
    return {
        "attachment_key": scan.key if scan else None,
        "attachment_sha256": scan.checked.sha256 if scan else None,
        "attachment_content_type": scan.checked.content_type if scan else None,
        "attachment_size": scan.checked.size if scan else None,
        "attachment_filename": scan.checked.filename if scan else None,
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
    request = LetterRequest(**values, **scan_values(scan))
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
    check_move(request, RequestAction.EDIT, actor)
    exporter = ExporterIdentity(request.exporter, request.exporter_name, request.exporter_uscc)
    _refuse_pending_duplicate(session, addressee, exporter, vehicle, excluding=request.id)
    scan = _stored(session, store, upload)
    for name, value in _vehicle_values(vehicle).items():
        setattr(request, name, value)
    # A replaced scan's file is kept: the audit trail names its hash.
    for name, value in (scan_values(scan) if scan else {}).items():
        setattr(request, name, value)
    request.updated_at = utcnow()
    session.flush()
    record(
        session, "request.edited", actor=actor, obj=request, vin=request.vin, new_scan=bool(scan)
    )
