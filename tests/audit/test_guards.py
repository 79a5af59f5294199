"""What the database itself refuses (PostgreSQL triggers), and appends from concurrent
writers that still form one unbroken chain."""

from __future__ import annotations

import os
import threading

import pytest
import sqlalchemy as sa

from portal.audit.integrity import check_chain
from portal.audit.models import AuditChainHead, AuditEntry
from portal.audit.record import record
from portal.db import Database
from portal.letters.lifecycle.models import Letter, LetterOutlet
from tests.conftest import PG_ENV, fresh_database

postgres_only = pytest.mark.skipif(
    not os.environ.get(PG_ENV),
    reason="the triggers exist on PostgreSQL only; SQLite is the embedded single-host database",
)


def _refused(session, statement) -> str:
    with pytest.raises(sa.exc.IntegrityError) as raised, session.begin_nested():
        session.execute(statement)
    return str(raised.value.orig)


@postgres_only
def test_sealed_audit_entries_cannot_be_changed_or_deleted(session):
    entry = record(session, "test.event", n=1)
    session.commit()
    assert "never changed once sealed" in _refused(
        session, sa.update(AuditEntry).where(AuditEntry.id == entry.id).values(action="x")
    )
    assert "never changes or deletes audit_entry" in _refused(
        session, sa.delete(AuditEntry).where(AuditEntry.id == entry.id)
    )
    assert "never changes or deletes audit_entry" in _refused(
        session, sa.text("TRUNCATE audit_entry CASCADE")
    )
    assert "only moves forward" in _refused(session, sa.update(AuditChainHead).values(last_seq=0))


@postgres_only
def test_what_a_letter_seals_cannot_be_changed_nor_the_letter_deleted(issue, session):
    letter = issue()
    assert "only its lifecycle fields may change" in _refused(
        session, sa.update(Letter).where(Letter.id == letter.id).values(vin="LSGZZZ00000000000")
    )
    assert "never changes or deletes letter rows" in _refused(
        session, sa.delete(Letter).where(Letter.id == letter.id)
    )
    assert "never changes or deletes letter_outlet" in _refused(
        session, sa.delete(LetterOutlet).where(LetterOutlet.letter_id == letter.id)
    )
    # Its lifecycle stays writable: that is what the audit trail checks.
    session.execute(sa.update(Letter).where(Letter.id == letter.id).values(revocation_reason="x"))


def test_concurrent_writers_append_one_unbroken_chain(tmp_path):
    with fresh_database("auditrace", tmp_path) as url:
        db = Database(url)
        errors: list[BaseException] = []

        def writer(n: int) -> None:
            try:
                for i in range(8):
                    with db.session() as s:
                        record(s, "test.race", writer=n, i=i)
                        record(s, "test.race", writer=n, i=i, second=True)
                        s.commit()
            except BaseException as error:  # reported below
                errors.append(error)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert errors == []
        with db.session() as s:
            report = check_chain(s)
            seqs = list(s.scalars(sa.select(AuditEntry.seq).order_by(AuditEntry.seq)))
        db.engine.dispose()
    assert report.intact, report.first_break
    assert seqs == list(range(1, 6 * 8 * 2 + 1))
