"""Callable factories for test data: make.organisation(...), make.user(role, org=...),
make.outlet(manufacturer, ...), make.vin(manufacturer), make.letter_request(...),
make.letter_order(manufacturer, ...)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from portal.accounts.models import Brand, Organisation, User, Wmi
from portal.accounts.roles import ROLES_OF_KIND, OrgKind, Role
from portal.accounts.uscc import with_check_character
from portal.clock import today_in_china
from portal.db import utcnow
from portal.letters.keys.keyring import signing_material
from portal.letters.lifecycle.orders import LetterOrder
from portal.outlets.models import Outlet, OutletVersion
from portal.requests.models import LetterRequest, RequestEvent
from portal.requests.states import RequestStatus
from portal.vehicles.vin import check_digit

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
            # A third character 9 marks a small maker's WMI (six characters): never here.
            third = _WMI_LETTERS.replace("9", "")
            org.wmis = [Wmi(code="Z" + _WMI_LETTERS[n // 32 % 33] + third[n % 32])]
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

    def outlet(
        self,
        manufacturer: Organisation,
        *,
        country: str = "KZ",
        brands: Iterable[Brand] | None = None,
        active_from: date = date(2020, 1, 1),
        active_until: date | None = None,
    ) -> Outlet:
        """Returns an outlet with one version, set as current, serving the brands (default:
        all of the manufacturer's)."""
        n = next(_counter)
        outlet = Outlet(manufacturer=manufacturer, code=f"OUT-{n}", country=country)
        version = OutletVersion(
            outlet=outlet,
            number=1,
            country=country,
            city=f"City {n}",
            name_local=f"Outlet {n}",
            name_latin=f"Outlet {n}",
            address=f"{n} Service Street",
            phone="+77270000000",
            active_from=active_from,
            active_until=active_until,
            brands=list(manufacturer.brands if brands is None else brands),
        )
        self.session.add_all([outlet, version])
        self.session.flush()
        outlet.current = version
        self.session.flush()
        return outlet

    def vin(self, manufacturer: Organisation, serial: int | None = None) -> str:
        """Returns a valid VIN (right check digit) with the manufacturer's first WMI."""
        n = next(_counter) if serial is None else serial
        text = f"{manufacturer.wmis[0].code}AB12C0SA{n:06d}"
        return text[:8] + check_digit(text) + text[9:]

    def letter_order(
        self,
        manufacturer: Organisation,
        *,
        country: str = "DE",
        exporter: Organisation | None = None,
        **fields: object,
    ) -> LetterOrder:
        """Returns an order for a letter on a new vehicle of the manufacturer's first brand,
        registered 2026-09-01 and awaiting export since 2026-10-01, for the exporter if given
        (else one typed in by name)."""
        values: dict[str, object] = {
            "manufacturer_id": manufacturer.id,
            "brand_id": manufacturer.brands[0].id,
            "model": "Seal 06 DM-i",
            "vin": self.vin(manufacturer),
            "registration_date": date(2026, 9, 1),
            "transfer_registration_date": date(2026, 10, 1),
            "country": country,
            "exporter_name": "Exporter Co., Ltd.",
        }
        if exporter is not None:
            values |= {
                "exporter_name": exporter.name_en,
                "exporter_uscc": exporter.uscc,
                "exporter_id": exporter.id,
            }
        return LetterOrder(**(values | fields))  # type: ignore[arg-type]

    def keys_since(self, manufacturer: Organisation, moment: datetime, master_key: bytes) -> None:
        """Makes the manufacturer's keys exist since before ``moment``: a letter of the past
        was sealed by a key that existed then (a younger key would not verify it)."""
        key = signing_material(self.session, manufacturer, master_key).seal_key
        key.created_at = min(key.created_at, moment - timedelta(days=1))
        self.session.flush()

    def letter_request(
        self,
        *,
        manufacturer: Organisation | None = None,
        exporter: Organisation | None = None,
        status: RequestStatus = RequestStatus.SUBMITTED,
        country: str = "KZ",
        vin: str | None = None,
        created_by: User | None = None,
        **fields: object,
    ) -> LetterRequest:
        """Returns a request in the given status, written directly (no checks)."""
        manufacturer = manufacturer or self.organisation(OrgKind.MANUFACTURER)
        if exporter is None and "exporter_uscc" not in fields:
            exporter = self.organisation(OrgKind.EXPORTER)
        if created_by is None:
            org = exporter or manufacturer
            role = Role.EXPORTER_USER if exporter is not None else Role.MANUFACTURER_ISSUER
            created_by = self.user(role, org=org)
        today = today_in_china()
        now = utcnow()
        values: dict[str, object] = {
            "exporter": exporter,
            "manufacturer_id": manufacturer.id,
            "brand_id": manufacturer.brands[0].id,
            "model": "Song Plus",
            "vin": vin or self.vin(manufacturer),
            "registration_date": today - timedelta(days=30),
            "transfer_registration_date": today - timedelta(days=10),
            "application_date": today,
            "country": country,
            "status": status,
            "created_by_id": created_by.id,
            "created_at": now,
            "updated_at": now,
            "submitted_at": None if status is RequestStatus.DRAFT else now,
        }
        values.update(fields)
        request = LetterRequest(**values)
        request.events.append(RequestEvent(at=now, actor_id=created_by.id, to_status=status))
        self.session.add(request)
        self.session.flush()
        return request

    def issued_request(
        self, *, manufacturer: Organisation, exporter: Organisation, actor: User, **fields: object
    ):
        """Returns (request, letter): an approved request of the exporter answered by a real,
        sealed letter, the request marked issued (the manufacturer needs an outlet in the
        request's country, KZ by default)."""
        from flask import current_app

        from portal.letters.lifecycle.context import issuance_context
        from portal.letters.lifecycle.issuance import issue_letter
        from portal.letters.lifecycle.requests_link import mark_request_issued, order_for_request

        request = self.letter_request(
            manufacturer=manufacturer,
            exporter=exporter,
            status=RequestStatus.APPROVED,
            **fields,
        )
        letter = issue_letter(
            self.session, order_for_request(request), issuance_context(current_app, actor)
        )
        mark_request_issued(self.session, request, letter, actor=actor)
        return request, letter
