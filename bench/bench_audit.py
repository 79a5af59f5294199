"""Measures the audit trail and backups: what sealing an entry adds to a commit, how fast
audit-verify walks the chain, what the status check adds to a verification, and how long a
backup and a restore take.

    PYTHONPATH=. python bench/bench_audit.py [--entries 20000] [--letters 60] [--url URL]

SQLite in a temporary folder by default; `--url` for PostgreSQL (a schema of its own, e.g.
`...?options=-csearch_path%3Dbench`; the schema is emptied first). Each figure is printed
beside its floor measured in the same run, with the load average.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from bench.bench_verification import CONFIG, _letters
from portal import create_app, migrations
from portal.audit.chain import GENESIS, canonical
from portal.audit.integrity import check_chain
from portal.audit.models import AuditEntry
from portal.audit.record import record
from portal.backup.restore import restore_backup
from portal.backup.snapshot import write_backup
from portal.db import utcnow
from portal.signing import parse_master_key
from portal.verification import consistency, service


def _median(samples: list[float]) -> float:
    return statistics.median(samples)


def _floor_table(db) -> sa.Table:
    """Returns a table shaped like the audit table, without the chain: the floor's target."""
    columns = [
        sa.Column(c.name, c.type, primary_key=c.primary_key, index=bool(c.index))
        for c in AuditEntry.__table__.columns
    ]
    table = sa.Table("bench_floor", sa.MetaData(), *columns)
    table.create(db.engine, checkfirst=True)
    return table


def _commits(db, count: int, chained: bool) -> float:
    """Returns the median seconds of a transaction writing one audit entry and committing."""
    floor = None if chained else _floor_table(db)
    times = []
    for n in range(count):
        with db.session() as session:
            start = time.perf_counter()
            if chained:
                record(session, "bench.event", n=n)
            else:  # the floor: the same row, inserted and committed without sealing
                session.execute(
                    sa.insert(floor).values(
                        at=utcnow(),
                        action="bench.floor",
                        object_type="",
                        object_id="",
                        details={"n": n},
                    )
                )
            session.commit()
            times.append(time.perf_counter() - start)
    return _median(times)


def _fill(db, entries: int) -> None:
    with db.session() as session:
        for start in range(0, entries, 1000):
            for n in range(start, min(entries, start + 1000)):
                record(session, "bench.fill", n=n, text="x" * 40)
            session.commit()


def _walk(db) -> tuple[float, float, int]:
    with db.session() as session:
        start = time.perf_counter()
        report = check_chain(session)
        walk = time.perf_counter() - start
        assert report.intact, report.first_break
        rows = (
            session.execute(sa.select(AuditEntry).where(AuditEntry.seq.is_not(None)))
            .scalars()
            .all()
        )
        contents = [canonical(r.chained_content()) for r in rows]
    start = time.perf_counter()
    prev = GENESIS
    for body in contents:  # the floor: hashing the same bytes, nothing else
        prev = hashlib.sha256(prev.encode() + b"\n" + body).hexdigest()
    return walk, time.perf_counter() - start, report.entries


def _verifications(app, tokens: list[str], runs: int, checked: bool) -> float:
    original = consistency.letter_status_consistent
    if not checked:
        consistency.letter_status_consistent = lambda session, letter: True
    try:
        times = []
        db = app.extensions["portal_db"]
        for i in range(runs):
            with db.session() as session:
                start = time.perf_counter()
                result = service.verify_token_text(session, tokens[i % len(tokens)], now=utcnow())
                times.append(time.perf_counter() - start)
                assert result.verdict.value == "valid"
        return _median(times)
    finally:
        consistency.letter_status_consistent = original


def _row(what: str, figure: str, floor: str, ratio: float | None) -> None:
    print(f"| {what} | {figure} | {floor} | {'—' if ratio is None else f'× {ratio:.2f}'} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=20000)
    parser.add_argument("--letters", type=int, default=60)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--url")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    url = args.url or f"sqlite:///{folder / 'bench.sqlite3'}"
    if args.url:
        options = sa.make_url(args.url).query.get("options", "")
        schema = str(options).partition("search_path=")[2] or "bench"
        engine = sa.create_engine(sa.make_url(args.url).difference_update_query(["options"]))
        with engine.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
        engine.dispose()
    migrations.upgrade(url)
    app = create_app({**CONFIG, "DATABASE_URL": url, "STORAGE_DIR": str(folder / "storage")})
    db = app.extensions["portal_db"]
    print(f"database: {sa.make_url(url).get_backend_name()}, load average {os.getloadavg()}")
    with app.app_context():
        letters = _letters(app, args.letters)
    floor, sealed = _commits(db, 300, False), _commits(db, 300, True)
    _row(
        "commit with one audit entry",
        f"{sealed * 1e3:.2f} ms",
        f"same row, unsealed {floor * 1e3:.2f} ms",
        sealed / floor,
    )
    _fill(db, args.entries)
    walk, hashing, count = _walk(db)
    _row(
        f"audit-verify walk, {count} entries",
        f"{walk:.2f} s ({count / walk:,.0f}/s)",
        f"SHA-256 of the same bytes {hashing:.2f} s",
        walk / hashing,
    )
    tokens = [token for token, *_rest in letters]
    plain = _verifications(app, tokens, args.runs, checked=False)
    checked = _verifications(app, tokens, args.runs, checked=True)
    _row(
        "verification with the status check",
        f"{checked * 1e3:.2f} ms",
        f"without it {plain * 1e3:.2f} ms",
        checked / plain,
    )
    archive = folder / "backup.tar.gz"
    start = time.perf_counter()
    manifest = write_backup(url, folder / "storage", archive)
    backup = time.perf_counter() - start
    size = archive.stat().st_size
    start = time.perf_counter()
    master = parse_master_key(CONFIG["MASTER_KEY"])
    restored = f"sqlite:///{folder / 'restored.sqlite3'}"
    restore_backup(str(archive), restored, folder / "restored-storage", master)
    restore = time.perf_counter() - start
    rows = sum(t["rows"] for t in manifest.tables.values())
    what = f"backup: {manifest.letters} letters, {rows} rows, {len(manifest.files)} files"
    _row(what, f"{backup:.2f} s, {size / 1e6:.1f} MB", f"restore into SQLite {restore:.2f} s", None)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
