"""Walking the audit hash chain: the first entry edited, inserted or deleted behind the
Portal's back, named by its number in the chain."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.audit.chain import GENESIS, ChainedContent, entry_hash
from portal.audit.models import AuditChainHead, AuditEntry
from portal.audit.record import HEAD_ID


@dataclass(frozen=True)
class ChainBreak:
    """Where the chain first fails, and how."""

    kind: str  # "edited", "inserted", "deleted" or "head"
    seq: int | None  # the entry's number in the chain (None: never sealed)
    entry_id: int | None  # its row id, when the row is there
    message: str


@dataclass(frozen=True)
class ChainReport:
    entries: int
    head_seq: int
    head_hash: str
    first_break: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.first_break is None


def check_chain(session: Session) -> ChainReport:
    """Returns the chain's report: intact, or its first break."""
    head = session.get(AuditChainHead, HEAD_ID, populate_existing=True)
    if head is None:
        missing = ChainBreak("head", None, None, "the chain head row was deleted")
        return ChainReport(0, 0, "", missing)
    report = ChainReport(0, head.last_seq, head.last_hash, None)
    unsealed = session.scalar(sa.select(sa.func.min(AuditEntry.id)).where(AuditEntry.seq.is_(None)))
    count, found = _walk(session, head)
    report = replace(report, entries=count, first_break=found)
    if found is None and unsealed is not None:
        found = ChainBreak(
            "inserted", None, unsealed, f"row id {unsealed} was inserted: it was never sealed"
        )
        report = replace(report, first_break=found)
    return report


def _walk(session: Session, head: AuditChainHead) -> tuple[int, ChainBreak | None]:
    prev_seq, prev_hash, count = 0, GENESIS, 0
    for row in _sealed_rows(session):
        count += 1
        seq = row["seq"]
        if seq > head.last_seq:
            # Committed since the head was read, or written behind the Portal's back.
            latest = session.scalar(
                sa.select(AuditChainHead.last_seq).where(AuditChainHead.id == HEAD_ID)
            )
            if latest is None or seq > latest:
                return count, _break("inserted", row, "was inserted after the chain's last entry")
            break
        found = _link_break(row, prev_seq, prev_hash)
        if found is not None:
            return count, found
        prev_seq, prev_hash = seq, row["entry_hash"]
    if prev_seq < head.last_seq:
        first = prev_seq + 1
        return count, ChainBreak(
            "deleted", first, None, _deleted_text(first, head.last_seq, "at the end of the chain")
        )
    if prev_hash != head.last_hash:
        return count, ChainBreak(
            "edited",
            prev_seq,
            None,
            f"entry #{prev_seq} was edited: the chain head names another hash",
        )
    return count, None


def _link_break(row: Any, prev_seq: int, prev_hash: str) -> ChainBreak | None:
    seq = row["seq"]
    if row["entry_hash"] is None or row["prev_hash"] is None:
        return _break("edited", row, "was edited: its hashes were removed")
    if _hash_of(row, seq) != row["entry_hash"]:
        # Renumbered entries betray what happened before them.
        if _hash_of(row, seq - 1) == row["entry_hash"]:
            return ChainBreak("inserted", seq - 1, None, f"an entry was inserted as #{seq - 1}")
        if _hash_of(row, seq + 1) == row["entry_hash"]:
            return ChainBreak(
                "deleted", seq, None, _deleted_text(seq, seq, "and the rest renumbered")
            )
        return _break("edited", row, "was edited: its content no longer matches its hash")
    if seq > prev_seq + 1:
        return ChainBreak("deleted", prev_seq + 1, None, _deleted_text(prev_seq + 1, seq - 1, ""))
    if row["prev_hash"] != prev_hash:
        return _break(
            "edited",
            row,
            f"does not follow entry #{prev_seq}: one of the two was edited and re-hashed",
        )
    return None


def _sealed_rows(session: Session) -> Iterator[Any]:
    table = AuditEntry.__table__
    query = sa.select(table).where(table.c.seq.is_not(None)).order_by(table.c.seq)
    yield from session.execute(query.execution_options(yield_per=2000)).mappings()


def _hash_of(row: Any, seq: int) -> str:
    content = ChainedContent(
        seq=seq,
        at=row["at"],
        actor_id=row["actor_id"],
        organisation_id=row["organisation_id"],
        action=row["action"],
        object_type=row["object_type"],
        object_id=row["object_id"],
        details=row["details"] or {},
    )
    return entry_hash(row["prev_hash"], content)


def _break(kind: str, row: Any, what: str) -> ChainBreak:
    when = f"{row['at']:%Y-%m-%d %H:%M:%S} UTC"
    label = f"entry #{row['seq']} (row id {row['id']}, {row['action']}, {when})"
    return ChainBreak(kind, row["seq"], row["id"], f"{label} {what}")


def _deleted_text(first: int, last: int, where: str) -> str:
    span = f"entry #{first} was" if first == last else f"entries #{first} to #{last} were"
    return f"{span} deleted {where}".strip()
