"""Writing audit entries as part of the operation they describe, and sealing them into the
hash chain when that operation's transaction commits.

Sealing is the last thing a transaction does: it locks the chain head (a row lock on
PostgreSQL; SQLite's single write lock does the same), numbers the transaction's entries
after the newest one and hashes each onto its predecessor. Taking the head lock last means a
writer never waits for the head while holding it and another row, so appends serialise
without deadlocks, and the chain never forks.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.audit.chain import entry_hash
from portal.audit.models import AuditChainHead, AuditEntry

HEAD_ID = 1
_UNSEALED = "portal_audit_unsealed"


class AuditChainMissing(RuntimeError):
    """The chain head row is gone: someone deleted it behind the Portal's back."""


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
    session.info.setdefault(_UNSEALED, []).append(entry)
    return entry


def seal_entries(session: Session, entries: list[AuditEntry]) -> None:
    """Appends the entries to the chain, in the order they were written."""
    head = session.scalar(
        sa.select(AuditChainHead)
        .where(AuditChainHead.id == HEAD_ID)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if head is None:
        raise AuditChainMissing("the audit chain head is missing; run audit-verify")
    for entry in sorted(entries, key=lambda e: e.id):
        entry.seq = head.last_seq + 1
        entry.prev_hash = head.last_hash
        entry.entry_hash = entry_hash(head.last_hash, entry.chained_content())
        head.last_seq, head.last_hash = entry.seq, entry.entry_hash
    session.flush()


@event.listens_for(Session, "before_commit")
def _seal_on_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint ends: the outermost commit seals
    if not session.info.get(_UNSEALED):
        return
    session.flush()
    pending = session.info.pop(_UNSEALED)
    entries = [e for e in pending if sa.inspect(e).persistent and e.entry_hash is None]
    if entries:
        seal_entries(session, entries)


@event.listens_for(Session, "after_rollback")
def _forget_unsealed(session: Session) -> None:
    # Entries of a rolled-back transaction are gone; those of a rolled-back savepoint are
    # filtered out at commit (no longer persistent).
    if not session.in_transaction():
        session.info.pop(_UNSEALED, None)


def _plain(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)
