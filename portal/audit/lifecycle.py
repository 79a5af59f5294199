"""A letter's status checked against its lifecycle in the audit trail.

The status columns are the only part of a letter that changes after issuance, so they are
what an intruder with database access would edit (un-revoking a letter, say). Every change
of status is also an audit entry, hashed into the chain: a status that disagrees with its
entries, or entries whose hashes no longer hold, mean the register was edited behind the
Portal's back, and no verdict of validity may rest on it.
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.audit.chain import entry_hash
from portal.audit.models import AuditEntry
from portal.letters.lifecycle.models import Letter, LetterStatus

ISSUED, REVOKED, SUPERSEDED = "letter.issued", "letter.revoked", "letter.superseded"
LIFECYCLE_ACTIONS = (ISSUED, REVOKED, SUPERSEDED)
_STATUS_AFTER = {REVOKED: LetterStatus.REVOKED, SUPERSEDED: LetterStatus.SUPERSEDED}


def _entries_of(session: Session, letter: Letter) -> list[AuditEntry]:
    # Every entry about the letter, so that one whose action was edited away from the
    # lifecycle is still hash-checked.
    return list(
        session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.object_type == "Letter", AuditEntry.object_id == str(letter.id))
            .order_by(AuditEntry.id)
        )
    )


def letter_status_consistent(session: Session, letter: Letter) -> bool:
    """Tells whether the letter's status columns are what its lifecycle entries say, and
    whether those entries are still as they were sealed into the chain."""
    entries = _entries_of(session, letter)
    lifecycle = [entry for entry in entries if entry.action in LIFECYCLE_ACTIONS]
    return status_agrees(letter, lifecycle) and _entries_hold(session, entries)


def inconsistent_letters(session: Session, batch: int = 500) -> Iterator[Letter]:
    """Yields every letter whose status disagrees with its lifecycle entries (the chain's
    own walk checks the entries' hashes)."""
    last_id = 0
    while True:
        letters = list(
            session.scalars(
                sa.select(Letter).where(Letter.id > last_id).order_by(Letter.id).limit(batch)
            )
        )
        if not letters:
            return
        by_letter: dict[str, list[AuditEntry]] = {str(letter.id): [] for letter in letters}
        for entry in session.scalars(
            sa.select(AuditEntry)
            .where(
                AuditEntry.object_type == "Letter",
                AuditEntry.object_id.in_(list(by_letter)),
                AuditEntry.action.in_(LIFECYCLE_ACTIONS),
            )
            .order_by(AuditEntry.id)
        ):
            by_letter[entry.object_id].append(entry)
        for letter in letters:
            if not status_agrees(letter, by_letter[str(letter.id)]):
                yield letter
        last_id = letters[-1].id
        for obj in [*letters, *(e for found in by_letter.values() for e in found)]:
            session.expunge(obj)  # a walk over every letter keeps only one batch in memory


def status_agrees(letter: Letter, entries: list[AuditEntry]) -> bool:
    """Tells whether the letter's status columns follow from its lifecycle entries (oldest
    first): issued once, then revoked or superseded at most once."""
    if not entries or entries[0].action != ISSUED:
        return False
    if entries[0].details.get("number") != letter.number:
        return False
    changes = entries[1:]
    if len(changes) > 1 or any(e.action == ISSUED for e in changes):
        return False
    if not changes:
        return (
            letter.status is LetterStatus.ISSUED
            and letter.revoked_at is None
            and letter.superseded_by_id is None
        )
    change = changes[0]
    if letter.status is not _STATUS_AFTER[change.action]:
        return False
    if change.action == REVOKED:
        return letter.revoked_at is not None and letter.superseded_by_id is None
    return letter.revoked_at is None and letter.superseded_by_id == change.details.get("by_id")


def _entries_hold(session: Session, entries: list[AuditEntry]) -> bool:
    # An entry not yet sealed is one of the current transaction's own; a sealed one must
    # still hash to its stored value and be the predecessor its successor names.
    sealed = []
    for entry in entries:
        if entry.entry_hash is None or entry.seq is None or entry.prev_hash is None:
            if entry.seq is not None or entry.prev_hash is not None:
                return False
            continue
        if entry_hash(entry.prev_hash, entry.chained_content()) != entry.entry_hash:
            return False
        sealed.append(entry)
    if not sealed:
        return True
    successors = dict(
        session.execute(
            sa.select(AuditEntry.seq, AuditEntry.prev_hash).where(
                AuditEntry.seq.in_([entry.seq + 1 for entry in sealed])
            )
        ).all()
    )
    return all(
        successors.get(entry.seq + 1, entry.entry_hash) == entry.entry_hash for entry in sealed
    )
