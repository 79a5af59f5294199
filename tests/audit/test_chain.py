"""The audit hash chain: sealed at commit, one entry after the other, and audit-verify names
the first entry edited, inserted or deleted behind the Portal's back."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.audit.chain import GENESIS, entry_hash
from portal.audit.models import AuditChainHead, AuditEntry
from portal.audit.record import record
from tests.intruder import triggers_off


def _entries(session) -> list[AuditEntry]:
    session.expire_all()
    return list(session.scalars(sa.select(AuditEntry).order_by(AuditEntry.seq)))


def _write(session, count: int) -> list[AuditEntry]:
    written = [record(session, "test.event", n=n, text="漢字 =1+1") for n in range(count)]
    session.commit()
    return written


def test_entries_are_sealed_at_commit_each_on_its_predecessor(session):
    before = session.get(AuditChainHead, 1)
    start_seq, start_hash = before.last_seq, before.last_hash
    pending = record(session, "test.event", n=1)
    session.flush()
    assert pending.seq is None and pending.entry_hash is None  # not before the commit
    written = [pending, *_write(session, 2)]
    assert [e.seq for e in written] == [start_seq + 1, start_seq + 2, start_seq + 3]
    previous = start_hash
    for entry in written:
        assert entry.prev_hash == previous
        assert entry.entry_hash == entry_hash(previous, entry.chained_content())
        previous = entry.entry_hash
    head = session.get(AuditChainHead, 1, populate_existing=True)
    assert (head.last_seq, head.last_hash) == (written[-1].seq, written[-1].entry_hash)


def test_a_rolled_back_operation_leaves_no_entry_and_no_gap(session):
    record(session, "test.event", n=1)
    session.rollback()
    written = _write(session, 1)
    head = session.get(AuditChainHead, 1, populate_existing=True)
    assert head.last_seq == written[0].seq
    assert session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "test.event")) == 1


def test_audit_verify_passes_an_intact_chain(session, audit_verify):
    _write(session, 3)
    code, output = audit_verify()
    assert code == 0, output
    assert "intact" in output


def test_an_edited_entry_is_named(session, audit_verify):
    target = _write(session, 4)[1]
    with triggers_off(session):
        session.execute(
            sa.update(AuditEntry)
            .where(AuditEntry.id == target.id)
            .values(details={"n": 99, "text": "漢字 =1+1"})
        )
    session.commit()
    code, output = audit_verify()
    assert code == 1
    assert f"entry #{target.seq} (row id {target.id}, test.event" in output
    assert "was edited" in output


def test_an_edited_and_rehashed_entry_is_named_by_its_broken_link(session, audit_verify):
    target = _write(session, 3)[1]
    forged = entry_hash(
        target.prev_hash,
        target.chained_content().__class__(
            **{**target.chained_content().__dict__, "action": "test.other"}
        ),
    )
    with triggers_off(session):
        session.execute(
            sa.update(AuditEntry)
            .where(AuditEntry.id == target.id)
            .values(action="test.other", entry_hash=forged)
        )
    session.commit()
    code, output = audit_verify()
    assert code == 1
    assert f"entry #{target.seq + 1}" in output and f"does not follow entry #{target.seq}" in output


@pytest.mark.parametrize("where", ["middle", "end"])
def test_a_deleted_entry_is_named(session, audit_verify, where):
    written = _write(session, 3)
    target = written[1] if where == "middle" else written[-1]
    with triggers_off(session):
        session.execute(sa.delete(AuditEntry).where(AuditEntry.id == target.id))
    session.commit()
    code, output = audit_verify()
    assert code == 1
    assert f"entry #{target.seq} was deleted" in output


def test_an_inserted_entry_is_named(session, audit_verify):
    last = _write(session, 2)[-1]
    # A forger who knows the hash rule, appending after the last entry.
    session.execute(
        sa.insert(AuditEntry).values(
            at=last.at,
            action="letter.revoked",
            object_type="",
            object_id="",
            details={},
            seq=last.seq + 1,
            prev_hash=last.entry_hash,
            entry_hash="f" * 64,
        )
    )
    session.commit()
    code, output = audit_verify()
    assert code == 1
    assert f"entry #{last.seq + 1}" in output and "inserted" in output


def test_an_unsealed_row_is_named_as_inserted(session, audit_verify):
    _write(session, 1)
    row_id = session.execute(
        sa.insert(AuditEntry)
        .values(at=_entries(session)[-1].at, action="x", object_type="", object_id="", details={})
        .returning(AuditEntry.id)
    ).scalar_one()
    session.commit()
    code, output = audit_verify()
    assert code == 1
    assert f"row id {row_id} was inserted" in output


def test_an_entry_renumbered_after_an_insertion_is_named(session, audit_verify):
    written = _write(session, 3)
    room = written[1].seq
    # Shifting the later entries up to make room is itself an edit of each.
    with triggers_off(session):
        for entry in reversed(written[1:]):
            session.execute(
                sa.update(AuditEntry).where(AuditEntry.id == entry.id).values(seq=entry.seq + 1)
            )
    session.commit()
    code, output = audit_verify()
    assert code == 1
    assert f"an entry was inserted as #{room}" in output


def test_the_first_entry_follows_the_genesis_hash(session):
    _write(session, 1)
    first = session.scalar(sa.select(AuditEntry).where(AuditEntry.seq == 1))
    assert first.prev_hash == GENESIS
