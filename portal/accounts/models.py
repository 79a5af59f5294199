"""Organisations, their brands and WMIs, users, one-time password links and sign-in throttles."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.roles import OrgKind, Role
from portal.db import Base, enum_column, utcnow


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrgKind] = mapped_column(enum_column(OrgKind))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    name_zh: Mapped[str] = mapped_column(sa.String(200), default="")
    uscc: Mapped[str | None] = mapped_column(sa.String(18), unique=True)
    # Manufacturers only: the prefix of their letter numbers, e.g. BYD-2026-000123.
    short_code: Mapped[str | None] = mapped_column(sa.String(12), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Manufacturers only: whether their active outlets are listed on the public directory.
    outlet_directory_public: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    brands: Mapped[list[Brand]] = relationship(
        back_populates="organisation", order_by="Brand.name", cascade="all, delete-orphan"
    )
    wmis: Mapped[list[Wmi]] = relationship(
        back_populates="organisation", order_by="Wmi.code", cascade="all, delete-orphan"
    )
    users: Mapped[list[User]] = relationship(back_populates="organisation", order_by="User.email")

    @property
    def display_name(self) -> str:
        return f"{self.name_zh} / {self.name_en}" if self.name_zh else self.name_en


class Brand(Base):
    __tablename__ = "brand"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    organisation: Mapped[Organisation] = relationship(back_populates="brands")


class Wmi(Base):
    """A world manufacturer identifier (first three VIN characters) a manufacturer owns."""

    __tablename__ = "wmi"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(3), unique=True)
    organisation: Mapped[Organisation] = relationship(back_populates="wmis")


class User(UserMixin, Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Raised at logout and password change: every session holding an older value ends.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Two-factor sign-in: the TOTP secret (base32) once enrolment is confirmed, and the
    # 30-second step of the last code accepted, so that no code is accepted twice.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    two_factor_since: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship(back_populates="users")

    @property
    def has_two_factor(self) -> bool:
        return self.totp_secret is not None

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return self.active and self.organisation.is_active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


class PasswordLink(Base):
    """A one-time link to set a password (invitation or reset); only its hash is stored."""

    __tablename__ = "password_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class RecoveryCode(Base):
    """A one-time recovery code for two-factor sign-in; only its hash is stored."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class LoginThrottle(Base):
    """Failed sign-ins per email address, known or not, so throttling leaks nothing."""

    __tablename__ = "login_throttle"

    email: Mapped[str] = mapped_column(sa.String(254), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime]
