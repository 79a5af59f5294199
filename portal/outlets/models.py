"""Outlets and their versions: an edit makes a new version, so letters keep what they showed."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.accounts.models import Brand, Organisation, User
from portal.db import Base, utcnow


class ServiceType(enum.StrEnum):
    REPAIR = "repair"
    MAINTENANCE = "maintenance"
    SPARE_PARTS = "spare_parts"
    WARRANTY = "warranty"
    TECHNICAL_SUPPORT = "technical_support"
    ROADSIDE = "roadside"


SERVICE_LABELS = {
    ServiceType.REPAIR: _l("Repair"),
    ServiceType.MAINTENANCE: _l("Maintenance"),
    ServiceType.SPARE_PARTS: _l("Spare parts supply"),
    ServiceType.WARRANTY: _l("Warranty claims"),
    ServiceType.TECHNICAL_SUPPORT: _l("Technical support"),
    ServiceType.ROADSIDE: _l("Roadside assistance"),
}

outlet_version_brand = sa.Table(
    "outlet_version_brand",
    Base.metadata,
    sa.Column("outlet_version_id", sa.ForeignKey("outlet_version.id"), primary_key=True),
    sa.Column("brand_id", sa.ForeignKey("brand.id"), primary_key=True),
)


class Outlet(Base):
    """The lasting identity of an outlet: its manufacturer and the manufacturer's own code."""

    __tablename__ = "outlet"
    __table_args__ = (sa.UniqueConstraint("manufacturer_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    manufacturer_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(40))
    # Denormalised from the current version so directory queries need no join to history.
    country: Mapped[str] = mapped_column(sa.String(2), index=True)
    current_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("outlet_version.id", use_alter=True)
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    manufacturer: Mapped[Organisation] = relationship()
    current: Mapped[OutletVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )
    versions: Mapped[list[OutletVersion]] = relationship(
        back_populates="outlet",
        foreign_keys="OutletVersion.outlet_id",
        order_by="OutletVersion.number",
    )


class OutletVersion(Base):
    """One state of an outlet. Never changed once written; letters point at these rows."""

    __tablename__ = "outlet_version"
    __table_args__ = (sa.UniqueConstraint("outlet_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    outlet_id: Mapped[int] = mapped_column(sa.ForeignKey("outlet.id"), index=True)
    number: Mapped[int]
    country: Mapped[str] = mapped_column(sa.String(2))
    city: Mapped[str] = mapped_column(sa.String(120))
    name_local: Mapped[str] = mapped_column(sa.String(200))
    name_latin: Mapped[str] = mapped_column(sa.String(200))
    address: Mapped[str] = mapped_column(sa.String(400))
    postcode: Mapped[str] = mapped_column(sa.String(20), default="")
    phone: Mapped[str] = mapped_column(sa.String(20))  # E.164
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    website: Mapped[str] = mapped_column(sa.String(300), default="")
    contact_person: Mapped[str] = mapped_column(sa.String(120), default="")
    service_types: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    active_from: Mapped[date]
    active_until: Mapped[date | None]
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # Which fields this version changed against the one before (empty for the first).
    changed_fields: Mapped[list[str]] = mapped_column(sa.JSON, default=list)

    outlet: Mapped[Outlet] = relationship(back_populates="versions", foreign_keys=[outlet_id])
    brands: Mapped[list[Brand]] = relationship(
        secondary=outlet_version_brand, order_by="Brand.name"
    )
    created_by: Mapped[User | None] = relationship()

    def is_active_on(self, day: date) -> bool:
        """Tells whether this version is in service on the given day (both ends inclusive)."""
        return self.active_from <= day and (self.active_until is None or day <= self.active_until)


class ImmutableVersionError(RuntimeError):
    """Code tried to change or delete an outlet version, or delete an outlet: a bug."""


@event.listens_for(Session, "before_flush")
def _versions_stay_as_written(session: Session, _context: Any, _instances: Any) -> None:
    # Letters point at versions: a changed version would change what a signed letter showed.
    for obj in session.deleted:
        if isinstance(obj, Outlet | OutletVersion):
            raise ImmutableVersionError(f"{type(obj).__name__} rows are never deleted")
    for obj in session.dirty:
        if isinstance(obj, OutletVersion) and session.is_modified(obj):
            raise ImmutableVersionError(f"outlet version {obj.id} is immutable; add a new one")


class OutletImport(Base):
    """The checked rows of an uploaded outlet CSV between its preview and its application.

    Kept on the server, bound to the organisation and the user who uploaded it, so the cookie
    carries nothing and nobody else can apply it; it expires after a while.
    """

    __tablename__ = "outlet_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    filename: Mapped[str] = mapped_column(sa.String(200))
    # The checked rows, [row number, outlet code, values], so applying need not check again.
    rows: Mapped[list[Any]] = mapped_column(sa.JSON)
    # A digest of what the preview showed: applying refuses if the plan has changed since.
    plan_digest: Mapped[str] = mapped_column(sa.String(64))
    summary: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
