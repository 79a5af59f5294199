"""Letter requests, their status history, and the CSV batches they may come from."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Brand, Organisation, User
from portal.db import Base, enum_column, utcnow
from portal.requests.states import RequestAction, RequestStatus
from portal.vehicles.export_rule import Requirement, confirmation_requirement


class FuelType(enum.StrEnum):
    PETROL = "petrol"
    DIESEL = "diesel"
    HEV = "hev"
    PHEV = "phev"
    BEV = "bev"
    OTHER = "other"


FUEL_LABELS = {
    FuelType.PETROL: _l("Petrol"),
    FuelType.DIESEL: _l("Diesel"),
    FuelType.HEV: _l("Hybrid (HEV)"),
    FuelType.PHEV: _l("Plug-in hybrid (PHEV)"),
    FuelType.BEV: _l("Battery electric (BEV)"),
    FuelType.OTHER: _l("Other"),
}

STATUS_LABELS = {
    RequestStatus.DRAFT: _l("Draft"),
    RequestStatus.SUBMITTED: _l("Submitted"),
    RequestStatus.APPROVED: _l("Approved"),
    RequestStatus.REJECTED: _l("Rejected"),
    RequestStatus.WITHDRAWN: _l("Withdrawn"),
    RequestStatus.ISSUED: _l("Issued"),
}

ACTION_LABELS = {
    RequestAction.EDIT: _l("Edited"),
    RequestAction.SUBMIT: _l("Submitted"),
    RequestAction.WITHDRAW: _l("Withdrawn"),
    RequestAction.APPROVE: _l("Approved"),
    RequestAction.REJECT: _l("Rejected"),
    RequestAction.ISSUE: _l("Letter issued"),
}


class RequestBatch(Base):
    """One CSV file of vehicles, imported as a whole or not at all."""

    __tablename__ = "request_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    exporter_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    manufacturer_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    filename: Mapped[str] = mapped_column(sa.String(200))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    row_count: Mapped[int]
    submitted: Mapped[bool]  # whether the requests were submitted on import or left as drafts
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    exporter: Mapped[Organisation] = relationship(foreign_keys=[exporter_id])
    manufacturer: Mapped[Organisation] = relationship(foreign_keys=[manufacturer_id])
    created_by: Mapped[User] = relationship()


class LetterRequest(Base):
    """An exporter's request that a manufacturer confirm after-sales service for one vehicle.

    The exporter is an organisation with an account, or, for requests a manufacturer enters on
    behalf of an exporter without one, a typed-in name and unified social credit code.
    """

    __tablename__ = "letter_request"
    __table_args__ = (
        sa.CheckConstraint(
            "exporter_id IS NOT NULL OR exporter_uscc IS NOT NULL", name="exporter_known"
        ),
        sa.CheckConstraint(
            "transfer_registration_date >= registration_date", name="transfer_not_before_reg"
        ),
        sa.CheckConstraint(
            "application_date >= registration_date", name="application_not_before_reg"
        ),
        sa.Index("ix_letter_request_manufacturer_status", "manufacturer_id", "status"),
        sa.Index("ix_letter_request_exporter_status", "exporter_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exporter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))
    exporter_name: Mapped[str] = mapped_column(sa.String(200), default="")
    exporter_uscc: Mapped[str | None] = mapped_column(sa.String(18))
    manufacturer_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    brand_id: Mapped[int] = mapped_column(sa.ForeignKey("brand.id"))
    model: Mapped[str] = mapped_column(sa.String(120))
    vin: Mapped[str] = mapped_column(sa.String(17), index=True)
    registration_date: Mapped[date]
    transfer_registration_date: Mapped[date]
    # The planned export-licence application: the 180-day rule counts up to this day.
    application_date: Mapped[date]
    engine_number: Mapped[str] = mapped_column(sa.String(40), default="")
    colour: Mapped[str] = mapped_column(sa.String(40), default="")
    fuel_type: Mapped[FuelType | None] = mapped_column(enum_column(FuelType))
    # Modified vehicles only (notice point IV): the chassis brand and the modified vehicle's.
    chassis_brand: Mapped[str] = mapped_column(sa.String(80), default="")
    modified_brand: Mapped[str] = mapped_column(sa.String(80), default="")
    modified_model: Mapped[str] = mapped_column(sa.String(120), default="")
    country: Mapped[str] = mapped_column(sa.String(2), index=True)

    attachment_key: Mapped[str | None] = mapped_column(sa.String(200))
    attachment_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    attachment_content_type: Mapped[str | None] = mapped_column(sa.String(40))
    attachment_size: Mapped[int | None]
    attachment_filename: Mapped[str | None] = mapped_column(sa.String(200))

    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus), default=RequestStatus.DRAFT
    )
    rejection_reason: Mapped[str] = mapped_column(sa.String(1000), default="")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # Set once, when the manufacturer can first see the request; the review queue's date.
    submitted_at: Mapped[datetime | None] = mapped_column(index=True)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("request_batch.id"), index=True)

    exporter: Mapped[Organisation | None] = relationship(foreign_keys=[exporter_id])
    manufacturer: Mapped[Organisation] = relationship(foreign_keys=[manufacturer_id])
    brand: Mapped[Brand] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    batch: Mapped[RequestBatch | None] = relationship()
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="RequestEvent.id", cascade="all, delete-orphan"
    )

    @property
    def exporter_display_name(self) -> str:
        if self.exporter is not None:
            return self.exporter.display_name
        return self.exporter_name

    @property
    def exporter_display_uscc(self) -> str:
        if self.exporter is not None:
            return self.exporter.uscc or ""
        return self.exporter_uscc or ""

    @property
    def on_behalf(self) -> bool:
        """Tells whether the manufacturer entered this request for an exporter without account."""
        return self.exporter_id is None

    @property
    def is_modified(self) -> bool:
        return bool(self.chassis_brand or self.modified_brand or self.modified_model)

    @property
    def has_attachment(self) -> bool:
        return self.attachment_key is not None

    @property
    def requirement(self) -> Requirement:
        """Whether the 180-day rule requires a confirmation for the planned application."""
        return confirmation_requirement(
            registration_date=self.registration_date,
            application_date=self.application_date,
            transfer_registration_date=self.transfer_registration_date,
        )


class RequestEvent(Base):
    """One step in a request's history: its creation or a change of status, by whom, when."""

    __tablename__ = "letter_request_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("letter_request.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # None for the creation; otherwise the action taken.
    action: Mapped[RequestAction | None] = mapped_column(enum_column(RequestAction))
    from_status: Mapped[RequestStatus | None] = mapped_column(enum_column(RequestStatus))
    to_status: Mapped[RequestStatus] = mapped_column(enum_column(RequestStatus))
    note: Mapped[str] = mapped_column(sa.String(1000), default="")

    request: Mapped[LetterRequest] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
