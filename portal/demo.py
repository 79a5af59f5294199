"""Demo data: one manufacturer, one exporter, the platform operator and a user per role."""

from __future__ import annotations

import secrets

import pyotp
import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.accounts import service, totp
from portal.accounts.models import Organisation, User
from portal.accounts.roles import TWO_FACTOR_ROLES, OrgKind, Role
from portal.accounts.uscc import with_check_character
from portal.db import utcnow
from portal.demo_content import seed_outlets, seed_requests

OPERATOR = {"kind": OrgKind.OPERATOR, "name_en": "Portal Operator", "name_zh": "平台运营方"}
MANUFACTURER = {
    "kind": OrgKind.MANUFACTURER,
    "name_en": "Huaxia Motor Co., Ltd.",
    "name_zh": "华夏汽车股份有限公司",
    "uscc": with_check_character("91440300MA5F00001"),
    "short_code": "HXM",
    "brands": ["Huaxia", "Huaxia EV"],
    "wmis": ["LHX", "LHY"],
}
EXPORTER = {
    "kind": OrgKind.EXPORTER,
    "name_en": "Yuanhang Used Car Export Co., Ltd.",
    "name_zh": "远航二手车出口有限公司",
    "uscc": with_check_character("91310115MA1K00002"),
}
USERS = [
    (OPERATOR, "admin@portal.test", "Platform Admin", Role.PLATFORM_ADMIN),
    (MANUFACTURER, "admin@huaxia.test", "Wang Fang", Role.MANUFACTURER_ADMIN),
    (MANUFACTURER, "issuer@huaxia.test", "Li Qiang", Role.MANUFACTURER_ISSUER),
    (MANUFACTURER, "viewer@huaxia.test", "Zhao Min", Role.MANUFACTURER_VIEWER),
    (EXPORTER, "admin@yuanhang.test", "Chen Jie", Role.EXPORTER_ADMIN),
    (EXPORTER, "user@yuanhang.test", "Liu Yang", Role.EXPORTER_USER),
]


def _organisation(session: Session, spec: dict) -> Organisation:
    org = session.scalar(sa.select(Organisation).where(Organisation.name_en == spec["name_en"]))
    return org if org is not None else service.create_organisation(session, **spec)


def seed_demo(session: Session) -> list[tuple[str, str, str, str]]:
    """Returns (email, role, password, TOTP key or "") of each demo user, creating what is
    missing.

    Passwords and two-factor keys are new at every call, so the demo never has a secret
    written in the code. Roles that require two-factor sign-in are enrolled with the key.
    """
    accounts = []
    for spec, email, name, role in USERS:
        org = _organisation(session, spec)
        password = secrets.token_urlsafe(9)
        user = session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            user = service.create_user(
                session, organisation=org, email=email, name=name, role=role, password=password
            )
        else:
            user.password_hash = service.generate_password_hash(password)
            service.end_sessions(user)
        key = _enrolled(user) if role in TWO_FACTOR_ROLES else ""
        accounts.append((email, role.value, password, key))
    session.flush()
    _seed_content(session)
    return accounts


def _enrolled(user: User) -> str:
    user.totp_secret = totp.new_secret()
    user.totp_last_step = None
    user.two_factor_since = utcnow()
    return user.totp_secret


def demo_code(session: Session, email: str) -> str:
    """Returns the current two-factor code of a demo account (and of no other account), so
    that the demo can be tried without an authenticator app."""
    if email not in {row[1] for row in USERS}:
        raise ValueError(f"{email} is not a demo account")
    user = session.scalar(sa.select(User).where(User.email == email))
    if user is None or not user.totp_secret:
        raise ValueError(f"{email} has no two-factor key; run seed-demo first")
    return pyotp.TOTP(user.totp_secret).now()


def _seed_content(session: Session) -> None:
    def org(spec: dict) -> Organisation:
        return session.scalar(
            sa.select(Organisation).where(Organisation.name_en == spec["name_en"])
        )

    def user(email: str) -> User:
        return session.scalar(sa.select(User).where(User.email == email))

    manufacturer, exporter = org(MANUFACTURER), org(EXPORTER)
    issuer = user("issuer@huaxia.test")
    seed_outlets(session, manufacturer, issuer)
    seed_requests(session, manufacturer, exporter, user("user@yuanhang.test"), issuer)
