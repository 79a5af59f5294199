"""The authority's list-signing key and the revocation lists it signed."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, utcnow


class AuthoritySealKey(Base):
    """An Ed25519 key of the Portal's authority that signs revocation lists. The newest
    key neither retired nor compromised signs; older ones stay published."""

    __tablename__ = "authority_seal_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(sa.String(16), unique=True)  # hex of 8 bytes
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary(32))
    sealed_private_key: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]
    compromised_at: Mapped[datetime | None]


class SignedRevocationList(Base):
    """A revocation list as published: the COSE_Sign1 bytes and when it was made. The
    newest row is the one served."""

    __tablename__ = "revocation_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    issued_at: Mapped[datetime] = mapped_column(index=True)
    next_update: Mapped[datetime]
    kid: Mapped[str] = mapped_column(sa.String(16))
    revoked_count: Mapped[int]
    superseded_count: Mapped[int]
    signed: Mapped[bytes] = mapped_column(sa.LargeBinary)
