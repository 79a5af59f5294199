"""Letters, the outlet versions each was issued with, number counters and letter settings."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.accounts.models import Organisation, User
from portal.db import Base, enum_column, utcnow
from portal.outlets.models import OutletVersion


class LetterStatus(enum.StrEnum):
    ISSUED = "issued"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


class Letter(Base):
    """An issued letter. Immutable once written, except for its lifecycle fields (status,
    revocation, the letter that supersedes it): a flush that changes anything else raises
    ImmutableLetterError."""

    __tablename__ = "letter"
    __table_args__ = (sa.UniqueConstraint("manufacturer_id", "year", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    manufacturer_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    year: Mapped[int]
    sequence: Mapped[int]
    # A retried issuance with the same key returns the letter instead of making a second one.
    issue_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # The exporter's request this letter answers, if any (at most one letter per request).
    request_id: Mapped[int | None] = mapped_column(sa.ForeignKey("letter_request.id"), unique=True)

    exporter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    exporter_name: Mapped[str] = mapped_column(sa.String(200))
    exporter_uscc: Mapped[str] = mapped_column(sa.String(18), default="")

    vin: Mapped[str] = mapped_column(sa.String(17), index=True)
    brand: Mapped[str] = mapped_column(sa.String(80))
    model: Mapped[str] = mapped_column(sa.String(120))
    registration_date: Mapped[date]
    transfer_registration_date: Mapped[date]
    engine_number: Mapped[str] = mapped_column(sa.String(40), default="")
    colour: Mapped[str] = mapped_column(sa.String(40), default="")
    fuel_type: Mapped[str] = mapped_column(sa.String(20), default="")
    country: Mapped[str] = mapped_column(sa.String(2), index=True)

    issued_at: Mapped[datetime] = mapped_column(index=True)
    valid_until: Mapped[date]
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    kid: Mapped[str] = mapped_column(sa.String(16), index=True)
    token: Mapped[str] = mapped_column(sa.Text)
    short_code: Mapped[str] = mapped_column(sa.String(11))
    claims_form: Mapped[str] = mapped_column(sa.String(10))
    qr_version: Mapped[int]
    outlets_digest: Mapped[str] = mapped_column(sa.String(32))  # hex of 16 bytes
    record_digest: Mapped[str] = mapped_column(sa.String(32))
    pdf_key: Mapped[str] = mapped_column(sa.String(200))
    pdf_sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    pdf_size: Mapped[int]

    status: Mapped[LetterStatus] = mapped_column(
        enum_column(LetterStatus, 16), default=LetterStatus.ISSUED
    )
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    revocation_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    supersedes_id: Mapped[int | None] = mapped_column(sa.ForeignKey("letter.id"))
    superseded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("letter.id"))

    manufacturer: Mapped[Organisation] = relationship(foreign_keys=[manufacturer_id])
    exporter: Mapped[Organisation | None] = relationship(foreign_keys=[exporter_id])
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])
    outlets: Mapped[list[LetterOutlet]] = relationship(
        order_by="LetterOutlet.position", cascade="all, delete-orphan"
    )
    superseded_by: Mapped[Letter | None] = relationship(
        foreign_keys=[superseded_by_id], remote_side=[id]
    )

    def is_expired_on(self, day: date) -> bool:
        return day > self.valid_until


class LetterOutlet(Base):
    """An outlet version listed in a letter, in the letter's order: the snapshot as issued."""

    __tablename__ = "letter_outlet"

    letter_id: Mapped[int] = mapped_column(sa.ForeignKey("letter.id"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    outlet_version_id: Mapped[int] = mapped_column(sa.ForeignKey("outlet_version.id"), index=True)

    version: Mapped[OutletVersion] = relationship()


class ImmutableLetterError(RuntimeError):
    """Code tried to change what an issued letter says, or its outlets, or delete it: a bug."""


# What may change after issuance: the columns and the relationships that set them.
LIFECYCLE_FIELDS = frozenset(
    {
        "status",
        "revoked_at",
        "revoked_by_id",
        "revoked_by",
        "revocation_reason",
        "superseded_by_id",
        "superseded_by",
    }
)


def _changed_fields(letter: Letter) -> set[str]:
    # Attribute history only: an unloaded attribute is not loaded (and cannot have changed).
    return {attr.key for attr in sa.inspect(letter).attrs if attr.history.has_changes()}


@event.listens_for(Session, "before_flush")
def _letters_stay_as_issued(session: Session, _context: Any, _instances: Any) -> None:
    # The signed token, the QR code and the PDF carry these values: a changed row would
    # disagree with what the holder of the letter shows.
    for obj in session.deleted:
        if isinstance(obj, Letter | LetterOutlet):
            raise ImmutableLetterError(f"{type(obj).__name__} rows are never deleted")
    for obj in session.new:
        if isinstance(obj, LetterOutlet) and obj.letter_id is not None:  # added to a stored letter
            raise ImmutableLetterError(f"the outlets of letter {obj.letter_id} are as issued")
    for obj in session.dirty:
        if isinstance(obj, LetterOutlet) and session.is_modified(obj):
            raise ImmutableLetterError(f"the outlets of letter {obj.letter_id} are as issued")
        if isinstance(obj, Letter) and (changed := _changed_fields(obj) - LIFECYCLE_FIELDS):
            names = ", ".join(sorted(changed))
            raise ImmutableLetterError(f"letter {obj.number} is issued; {names} cannot change")


class LetterCounter(Base):
    """The last sequence number used per manufacturer and year. Incremented inside the
    issuing transaction, so a rolled-back issuance gives its number back: no gaps."""

    __tablename__ = "letter_counter"

    manufacturer_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class LetterSettings(Base):
    """A manufacturer's letter body (Chinese and English, with placeholders), validity and
    seal image."""

    __tablename__ = "letter_settings"

    manufacturer_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), primary_key=True)
    body_zh: Mapped[str] = mapped_column(sa.Text)
    body_en: Mapped[str] = mapped_column(sa.Text)
    validity_days: Mapped[int] = mapped_column(default=180)
    seal_image_key: Mapped[str | None] = mapped_column(sa.String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
