"""A small world for access tests: our organisations (A) and foreign ones (B), a user per role
in each, and for every URL argument a value that belongs to the requester and one that
does not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from portal.accounts.models import Organisation, User
from portal.accounts.roles import ROLES_OF_KIND, OrgKind, Role
from portal.requests.models import LetterRequest
from portal.storage import storage
from tests.factories import Factories


@dataclass
class World:
    make: Factories
    orgs: dict[str, Organisation] = field(default_factory=dict)
    users: dict[Role, User] = field(default_factory=dict)  # in organisation A of each kind
    foreign: dict[Role, User] = field(default_factory=dict)  # in organisation B of each kind
    objects: dict[str, object] = field(default_factory=dict)  # made on first use, by name

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


def _letter_requests(world: World) -> dict[str, LetterRequest]:
    """Returns three submitted requests with a stored scan: exporter A to manufacturer A,
    exporter B to manufacturer A, and exporter A to manufacturer B."""
    if "requests" not in world.objects:
        key = "certificate-scans/access-matrix.pdf"
        storage().put(key, b"%PDF-1.4\n%%EOF\n")
        scan = {
            "attachment_key": key,
            "attachment_content_type": "application/pdf",
            "attachment_filename": "scan.pdf",
            "attachment_size": 15,
        }
        m_a, m_b = world.orgs["manufacturer_a"], world.orgs["manufacturer_b"]
        e_a, e_b = world.orgs["exporter_a"], world.orgs["exporter_b"]
        world.objects["requests"] = {
            "ours": world.make.letter_request(manufacturer=m_a, exporter=e_a, **scan),
            "other_exporter": world.make.letter_request(manufacturer=m_a, exporter=e_b, **scan),
            "other_manufacturer": world.make.letter_request(manufacturer=m_b, exporter=e_a, **scan),
        }
    return world.objects["requests"]  # type: ignore[return-value]


def _request_id(world: World, user: User) -> tuple[object, object | None]:
    # Foreign for an exporter: another exporter's request; for a manufacturer: one addressed
    # to another manufacturer.
    requests = _letter_requests(world)
    kind = user.organisation.kind
    foreign = {
        OrgKind.EXPORTER: requests["other_exporter"],
        OrgKind.MANUFACTURER: requests["other_manufacturer"],
    }.get(kind)
    return requests["ours"].id, (foreign.id if foreign is not None else None)


def _outlet_of(world: World, org_key: str) -> int:
    from portal.outlets.service import create_outlet

    key = f"outlet:{org_key}"
    if key not in world.objects:
        org = world.orgs[org_key]
        raw = {
            "outlet_code": "DE-1",
            "country": "DE",
            "city": "Berlin",
            "name_local": "Autohaus",
            "name_latin": "Autohaus",
            "address": "Invalidenstraße 1",
            "phone": "+49 30 1234567",
            "service_types": "repair",
            "brands": org.brands[0].name,
            "active_from": "2026-01-01",
        }
        world.objects[key] = create_outlet(
            world.make.session, manufacturer=org, raw=raw, actor=None
        ).id
    return world.objects[key]  # type: ignore[return-value]


def _outlet_id(world: World, user: User) -> tuple[object, object | None]:
    return _outlet_of(world, "manufacturer_a"), _outlet_of(world, "manufacturer_b")


def _import_token_of(world: World, user: User) -> str:
    from portal.outlets.importing import ImportPlan
    from portal.outlets.pending_imports import store_pending

    key = f"import:{user.id}"
    if key not in world.objects:
        pending = store_pending(
            world.make.session,
            manufacturer=user.organisation,
            user=user,
            filename="outlets.csv",
            plan=ImportPlan(),
        )
        world.objects[key] = pending.token
    return world.objects[key]  # type: ignore[return-value]


def _import_token(world: World, user: User) -> tuple[object, object | None]:
    # A preview belongs to the user who uploaded it: a colleague's is as foreign as another
    # manufacturer's.
    if user.organisation.kind is not OrgKind.MANUFACTURER:
        return "no-preview", None
    foreign = world.foreign[Role.MANUFACTURER_ISSUER]
    return _import_token_of(world, user), _import_token_of(world, foreign)


def _letters(world: World) -> dict[str, object]:
    """Returns real letters: manufacturer A to exporter A (ours), manufacturer A to exporter B,
    and manufacturer B to exporter B."""
    if "letters" not in world.objects:
        from flask import current_app

        from portal.letters.lifecycle.context import issuance_context
        from portal.letters.lifecycle.issuance import issue_letter

        made = {}
        for name, m_key, e_key in (
            ("ours", "manufacturer_a", "exporter_a"),
            ("other_exporter", "manufacturer_a", "exporter_b"),
            ("other_manufacturer", "manufacturer_b", "exporter_b"),
        ):
            m, e = world.orgs[m_key], world.orgs[e_key]
            if not world.objects.get(f"outlet-de:{m_key}"):
                world.objects[f"outlet-de:{m_key}"] = world.make.outlet(m, country="DE")
            made[name] = issue_letter(
                world.make.session,
                world.make.letter_order(m, exporter=e),
                issuance_context(current_app, None),
            )
        world.objects["letters"] = made
    return world.objects["letters"]  # type: ignore[return-value]


def _letter_id(world: World, user: User) -> tuple[object, object | None]:
    letters = _letters(world)
    if user.organisation.kind is OrgKind.EXPORTER:
        own = (
            letters["ours"]
            if user.organisation_id == world.orgs["exporter_a"].id
            else letters["other_exporter"]
        )
        return own.id, letters["other_manufacturer"].id if own is letters["ours"] else None
    return letters["ours"].id, letters["other_manufacturer"].id


def _job_id(world: World, user: User) -> tuple[object, object | None]:
    from portal.letters.batches.models import IssueJob, JobStatus

    if "jobs" not in world.objects:
        jobs = {
            key: IssueJob(
                manufacturer_id=world.orgs[key].id, year=2026, total=0, status=JobStatus.DONE
            )
            for key in ("manufacturer_a", "manufacturer_b")
        }
        world.make.session.add_all(jobs.values())
        world.make.session.flush()
        world.objects["jobs"] = jobs
    jobs = world.objects["jobs"]
    return jobs["manufacturer_a"].id, jobs["manufacturer_b"].id


def _key_id(world: World, user: User) -> tuple[object, object | None]:
    from flask import current_app

    from portal.letters.keys.keyring import new_seal_key
    from portal.signing import parse_master_key

    if "keys" not in world.objects:
        master = parse_master_key(current_app.config["MASTER_KEY"])
        world.objects["keys"] = {
            key: new_seal_key(world.make.session, world.orgs[key], master)
            for key in ("manufacturer_a", "manufacturer_b")
        }
    keys = world.objects["keys"]
    return keys["manufacturer_a"].id, keys["manufacturer_b"].id


def _api_key_id(world: World, user: User) -> tuple[object, object | None]:
    from portal.verification.api_keys import create_api_key

    if "api_key" not in world.objects:
        record, _key = create_api_key(
            world.make.session,
            name="Licensing",
            checks_per_minute=10,
            misses_per_hour=5,
            created_by=None,
        )
        world.objects["api_key"] = record.id
    return world.objects["api_key"], None  # the platform's own: nothing foreign


def _batch_of(world: World, org_key: str) -> int:
    from portal.requests.models import RequestBatch

    key = f"batch:{org_key}"
    if key not in world.objects:
        exporter, manufacturer = world.orgs[org_key], world.orgs["manufacturer_a"]
        creator = world.make.user(Role.EXPORTER_USER, org=exporter)
        batch = RequestBatch(
            exporter_id=exporter.id,
            manufacturer_id=manufacturer.id,
            filename="batch.csv",
            sha256="0" * 64,
            row_count=1,
            submitted=True,
            created_by_id=creator.id,
        )
        world.make.session.add(batch)
        world.make.session.flush()
        world.make.letter_request(
            manufacturer=manufacturer, exporter=exporter, created_by=creator, batch_id=batch.id
        )
        world.objects[key] = batch.id
    return world.objects[key]  # type: ignore[return-value]


def _batch_id(world: World, user: User) -> tuple[object, object | None]:
    # Batches belong to exporters; exporter A's batch is foreign to exporter B and back.
    if user.organisation_id == world.orgs["exporter_b"].id:
        return _batch_of(world, "exporter_b"), _batch_of(world, "exporter_a")
    return _batch_of(world, "exporter_a"), _batch_of(world, "exporter_b")


ARGUMENTS: dict[str, Provider] = {
    "api_key_id": _api_key_id,
    "batch_id": _batch_id,
    "letter_id": _letter_id,
    "job_id": _job_id,
    "key_id": _key_id,
    "user_id": _user_id,
    "organisation_id": _organisation_id,
    "token": lambda world, user: ("not-a-real-token", None),
    "code": lambda world, user: ("en", None),
    "filename": lambda world, user: ("portal.css", None),
    "request_id": _request_id,
    "outlet_id": _outlet_id,
    "import_token": _import_token,
    "country": lambda world, user: ("DE", None),
    "short_code": lambda world, user: (world.orgs["manufacturer_a"].short_code, None),
}
