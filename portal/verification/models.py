"""The scan log: one row per verification of a letter, by any channel; and the API keys of
licensing systems."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, enum_column, utcnow


class Channel(enum.StrEnum):
    """How a verification reached the Portal."""

    QR = "qr"  # the URL in the QR code, or a token pasted into the check page
    CODE = "code"  # letter number and short verification code, typed
    PDF = "pdf"  # an uploaded PDF
    API = "api"  # the JSON API of licensing systems


class VerificationScan(Base):
    """A verification: when, how, with which verdict, and a coarse idea of where from.

    Only a truncated network (IPv4 /24, IPv6 /48) and the region named in the browser's
    language are kept: enough to tell a customs office from a copying shop, not a person.
    """

    __tablename__ = "verification_scan"
    __table_args__ = (sa.Index("ix_verification_scan_letter_at", "letter_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, 8))
    verdict: Mapped[str] = mapped_column(sa.String(24))
    reason: Mapped[str] = mapped_column(sa.String(40), default="")
    # Set only when the verification reached a letter of the register.
    letter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("letter.id"))
    manufacturer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id"), index=True
    )
    country: Mapped[str] = mapped_column(sa.String(2), default="")
    language: Mapped[str] = mapped_column(sa.String(16), default="")
    network: Mapped[str] = mapped_column(sa.String(50), default="")


class ApiKey(Base):
    """A licensing system's key to the verification API, with quotas of its own.

    Only the SHA-256 of the key is kept (the key is 256 random bits, so a fast hash is as
    strong as a slow one); the key itself is shown once, when it is created.
    """

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    prefix: Mapped[str] = mapped_column(
        sa.String(16)
    )  # the key's first characters, to tell keys apart
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    checks_per_minute: Mapped[int] = mapped_column()
    misses_per_hour: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime | None] = mapped_column()
