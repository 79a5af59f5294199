"""The keys letters are sealed with: per manufacturer an Ed25519 seal key for the QR token
and an X.509 certificate for the PDF signature, under the Portal's own authority. Private
keys are stored only sealed under the master key."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organisation
from portal.db import Base, utcnow


class PortalAuthority(Base):
    """The Portal's certificate authority, made at `flask init`; it certifies manufacturers'
    PDF-signing certificates. There is one current row."""

    __tablename__ = "portal_authority"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_pem: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sealed_key: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SealKey(Base):
    """An Ed25519 key that seals letter tokens. The newest key neither retired nor
    compromised is the manufacturer's active key; older keys still verify what they sealed."""

    __tablename__ = "seal_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    manufacturer_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    kid: Mapped[str] = mapped_column(sa.String(16), unique=True)  # hex of 8 bytes
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary(32))
    sealed_private_key: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]  # replaced by a newer key: verifies, seals no more
    compromised_at: Mapped[datetime | None]  # what it sealed after this is not genuine
    compromise_reason: Mapped[str] = mapped_column(sa.String(500), default="")

    manufacturer: Mapped[Organisation] = relationship()

    @property
    def usable(self) -> bool:
        return self.retired_at is None and self.compromised_at is None


class SigningCertificate(Base):
    """A manufacturer's X.509 certificate and EC key for the PDF signature: issued by the
    Portal's authority, or uploaded by the manufacturer (e.g. from a commercial CA)."""

    __tablename__ = "signing_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    manufacturer_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    certificate_pem: Mapped[bytes] = mapped_column(sa.LargeBinary)
    chain_pem: Mapped[bytes] = mapped_column(sa.LargeBinary, default=b"")
    sealed_private_key: Mapped[bytes] = mapped_column(sa.LargeBinary)
    source: Mapped[str] = mapped_column(sa.String(20))  # "portal" or "uploaded"
    not_after: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]
    # Revoked for key compromise: listed on the authority's CRL (only its own certificates).
    revoked_at: Mapped[datetime | None]
    invalid_since: Mapped[datetime | None]  # when the key is thought to have leaked

    manufacturer: Mapped[Organisation] = relationship()
