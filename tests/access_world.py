"""A small world for access tests: our organisations (A) and foreign ones (B), a user per role
in each, and for every URL argument a value that belongs to the requester and one that
does not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from portal.accounts.models import Organisation, User
from portal.accounts.roles import ROLES_OF_KIND, OrgKind, Role
from tests.factories import Factories


@dataclass
class World:
    make: Factories
    orgs: dict[str, Organisation] = field(default_factory=dict)
    users: dict[Role, User] = field(default_factory=dict)  # in organisation A of each kind
    foreign: dict[Role, User] = field(default_factory=dict)  # in organisation B of each kind

    @classmethod
    def build(cls, make: Factories) -> World:
        world = cls(make)
        world.orgs["operator"] = make.organisation(OrgKind.OPERATOR)
        for kind in (OrgKind.MANUFACTURER, OrgKind.EXPORTER):
            world.orgs[f"{kind.value}_a"] = make.organisation(kind)
            world.orgs[f"{kind.value}_b"] = make.organisation(kind)
        for kind, roles in ROLES_OF_KIND.items():
            for role in roles:
                world.users[role] = make.user(role, org=world.own_org_of_kind(kind))
                world.foreign[role] = make.user(role, org=world.foreign_org_of_kind(kind))
        return world

    def own_org_of_kind(self, kind: OrgKind) -> Organisation:
        return self.orgs["operator" if kind is OrgKind.OPERATOR else f"{kind.value}_a"]

    def foreign_org_of_kind(self, kind: OrgKind) -> Organisation:
        return self.orgs["operator" if kind is OrgKind.OPERATOR else f"{kind.value}_b"]

    def colleague(self, user: User) -> User:
        """Returns another user of the same organisation, made if there is none."""
        for other in self.users.values():
            if other.organisation_id == user.organisation_id and other.id != user.id:
                return other
        return self.make.user(user.role, org=user.organisation)


# name of a URL argument -> (world, requesting user) -> (own value, foreign value or None).
# A foreign value is something of another organisation: asking for it must give 404.
Provider = Callable[[World, User], tuple[object, object | None]]


def _user_id(world: World, user: User) -> tuple[object, object | None]:
    kind = user.organisation.kind
    foreign = world.foreign[ROLES_OF_KIND[kind][-1]]
    return world.colleague(user).id, (foreign.id if kind is not OrgKind.OPERATOR else None)


def _organisation_id(world: World, user: User) -> tuple[object, object | None]:
    # Only the platform administrator reaches these pages, and every organisation is theirs.
    return world.orgs["manufacturer_b"].id, None


ARGUMENTS: dict[str, Provider] = {
    "user_id": _user_id,
    "organisation_id": _organisation_id,
    "token": lambda world, user: ("not-a-real-token", None),
    "code": lambda world, user: ("en", None),
    "filename": lambda world, user: ("portal.css", None),
}
