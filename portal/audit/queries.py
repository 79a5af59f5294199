"""Finding audit entries: an organisation's own trail (all of it for the platform operator),
filtered by actor, action, object and dates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session, aliased

from portal.accounts.models import Organisation, User
from portal.audit.models import AuditEntry

MAX_TEXT = 100


@dataclass(frozen=True)
class AuditFilter:
    """What a person narrows the trail by; empty fields do not filter."""

    actor: str = ""  # part of the actor's email address or name
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    since: date | None = None
    until: date | None = None  # inclusive


def parse_filter(args: Mapping[str, str]) -> tuple[AuditFilter, dict[str, str]]:
    """Returns the filter the query string asks for, and a message per field it could not
    read (that field then does not filter)."""
    errors: dict[str, str] = {}

    def text(name: str) -> str:
        return (args.get(name) or "").strip()[:MAX_TEXT]

    def day(name: str) -> date | None:
        value = text(name)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            errors[name] = _("Not a date (YYYY-MM-DD): %(value)s", value=value)
            return None

    found = AuditFilter(
        actor=text("actor"),
        action=text("action"),
        object_type=text("object_type"),
        object_id=text("object_id"),
        since=day("since"),
        until=day("until"),
    )
    if found.since and found.until and found.since > found.until:
        errors["until"] = _("The end date comes before the start date.")
    return found, errors


def trail(organisation_id: int | None, filters: AuditFilter) -> sa.Select:
    """Returns the query for (entry, actor, organisation) rows, newest first; with an
    organisation id, only that organisation's entries."""
    actor, org = aliased(User), aliased(Organisation)
    query = (
        sa.select(AuditEntry, actor, org)
        .outerjoin(actor, actor.id == AuditEntry.actor_id)
        .outerjoin(org, org.id == AuditEntry.organisation_id)
    )
    if organisation_id is not None:
        query = query.where(AuditEntry.organisation_id == organisation_id)
    if filters.actor:
        like = f"%{_escaped(filters.actor.lower())}%"
        query = query.where(
            sa.or_(
                sa.func.lower(actor.email).like(like, escape="\\"),
                sa.func.lower(actor.name).like(like, escape="\\"),
            )
        )
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.object_type:
        query = query.where(AuditEntry.object_type == filters.object_type)
    if filters.object_id:
        query = query.where(AuditEntry.object_id == filters.object_id)
    if filters.since:
        query = query.where(AuditEntry.at >= _start_of(filters.since))
    if filters.until:
        query = query.where(AuditEntry.at < _start_of(filters.until + timedelta(days=1)))
    return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def choices(session: Session, organisation_id: int | None) -> tuple[list[str], list[str]]:
    """Returns the actions and the object types that occur in the trail, for the filters."""
    scope = sa.true() if organisation_id is None else AuditEntry.organisation_id == organisation_id
    actions = session.scalars(
        sa.select(AuditEntry.action).where(scope).distinct().order_by(AuditEntry.action)
    )
    types = session.scalars(
        sa.select(AuditEntry.object_type)
        .where(scope, AuditEntry.object_type != "")
        .distinct()
        .order_by(AuditEntry.object_type)
    )
    return list(actions), list(types)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
