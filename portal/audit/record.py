"""Writing audit entries as part of the operation they describe."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from portal.audit.models import AuditEntry


def record(
    session: Session,
    action: str,
    *,
    actor: Any = None,
    organisation_id: int | None = None,
    obj: Any = None,
    **details: Any,
) -> AuditEntry:
    """Returns a new audit entry, added to the session so it commits with the operation."""
    entry = AuditEntry(
        action=action,
        actor_id=getattr(actor, "id", None),
        organisation_id=organisation_id
        if organisation_id is not None
        else getattr(actor, "organisation_id", None),
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "id", "") or "") if obj is not None else "",
        details={key: _plain(value) for key, value in details.items()},
    )
    session.add(entry)
    return entry


def _plain(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)
