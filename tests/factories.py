"""Callable factories for test data: make.organisation(...), make.user(role, org=...)."""

from __future__ import annotations

import itertools

from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from portal.accounts.models import Brand, Organisation, User, Wmi
from portal.accounts.roles import ROLES_OF_KIND, OrgKind, Role
from portal.accounts.uscc import with_check_character

_counter = itertools.count(1)
# A cheap hash: the password scheme itself is tested in test_auth; here speed matters.
_PASSWORD_HASH = generate_password_hash("factory-password", method="pbkdf2:sha256:1000")
_WMI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def _kind_of(role: Role) -> OrgKind:
    return next(kind for kind, roles in ROLES_OF_KIND.items() if role in roles)


class Factories:
    """Makes organisations and users with valid, unique codes."""

    PASSWORD = "factory-password"

    def __init__(self, session: Session) -> None:
        self.session = session

    def organisation(self, kind: OrgKind = OrgKind.MANUFACTURER, **fields: object) -> Organisation:
        n = next(_counter)
        values: dict[str, object] = {
            "kind": kind,
            "name_en": f"{kind.value.title()} {n} Co., Ltd.",
            "name_zh": f"测试{kind.value}{n}有限公司",
        }
        if kind is not OrgKind.OPERATOR:
            values["uscc"] = with_check_character(f"9144030{n:010d}")
        if kind is OrgKind.MANUFACTURER:
            values["short_code"] = f"M{n}"
        values.update(fields)
        org = Organisation(**values)
        if kind is OrgKind.MANUFACTURER and "brands" not in fields:
            org.brands = [Brand(name=f"Brand{n}"), Brand(name=f"Brand{n} EV")]
            org.wmis = [Wmi(code="Z" + _WMI_LETTERS[n // 33 % 33] + _WMI_LETTERS[n % 33])]
        self.session.add(org)
        self.session.flush()
        return org

    def user(self, role: Role, *, org: Organisation | None = None, **fields: object) -> User:
        n = next(_counter)
        org = org or self.organisation(_kind_of(role))
        values: dict[str, object] = {
            "email": f"user{n}.{role.value}@example.test",
            "name": f"User {n}",
            "role": role,
            "password_hash": _PASSWORD_HASH,
            "organisation": org,
        }
        values.update(fields)
        user = User(**values)
        self.session.add(user)
        self.session.flush()
        return user
