"""Writing a backup while the Portal runs.

The database is read as one consistent snapshot: on SQLite a copy made with SQLite's online
backup API, on PostgreSQL one read-only REPEATABLE READ transaction. Stored files are copied
after the snapshot: a letter's PDF is written before its transaction commits, so every
letter in the snapshot finds its PDF, which the backup checks against the letter's digest.
"""

from __future__ import annotations

import hashlib
import io
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from portal.backup.archive import FILES, MANIFEST, TABLES, BackupError, Manifest, encode_row
from portal.models import Base

# Never copied, whatever folder the files live in: the master key stays with the deployer.
SECRET_NAMES = frozenset({"master_key", "secret_key", "config.py"})


def write_backup(database_url: str, storage_dir: Path, target: Path) -> Manifest:
    """Writes the archive to target (via a temporary file: all or nothing); returns its
    manifest."""
    target = Path(target)
    fd, partial = tempfile.mkstemp(dir=target.parent, prefix=".backup-", suffix=".tar.gz")
    try:
        with open(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            manifest = _write_members(tar, database_url, storage_dir)
            _add(tar, MANIFEST, manifest.to_json())
        Path(partial).chmod(0o600)  # it holds personal data and sealed keys
        Path(partial).replace(target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return manifest


def _write_members(tar: tarfile.TarFile, database_url: str, storage_dir: Path) -> Manifest:
    manifest = Manifest(
        created_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        revision="",
        source=sa.make_url(database_url).get_backend_name(),
    )
    with _snapshot(database_url) as connection:
        manifest.revision = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
        for table in Base.metadata.sorted_tables:
            _add_table(tar, manifest, connection, table)
        pdfs = dict(connection.execute(sa.text("SELECT pdf_key, pdf_sha256 FROM letter")).all())
        in_database = _digests_in_database(connection, manifest)
        head = connection.execute(
            sa.text("SELECT last_seq, last_hash FROM audit_chain_head WHERE id = 1")
        ).first()
    manifest.letters = len(pdfs)
    manifest.audit_head = {"seq": head[0], "hash": head[1]} if head else {}
    for key, path in _stored_files(storage_dir):
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            continue  # a file of a transaction rolled back meanwhile: not in the snapshot
        manifest.files[key] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        _add(tar, FILES + key, data)
    for key, digest in pdfs.items():
        found = manifest.files.get(key, {}).get("sha256") or in_database.get(key)
        if found != digest:
            raise BackupError(f"the stored PDF {key} is missing or differs from its letter")
    return manifest


def _digests_in_database(connection: sa.Connection, manifest: Manifest) -> dict[str, str]:
    # Files kept in the database (STORAGE = "database") travel as rows of stored_file.
    if "stored_file" not in manifest.tables:
        return {}
    rows = connection.execution_options(yield_per=100).execute(
        sa.text("SELECT key, data FROM stored_file")
    )
    return {key: hashlib.sha256(bytes(data)).hexdigest() for key, data in rows}


def _add_table(
    tar: tarfile.TarFile, manifest: Manifest, connection: sa.Connection, table: sa.Table
) -> None:
    with tempfile.TemporaryFile() as lines:
        digest, count = hashlib.sha256(), 0
        order = list(table.primary_key.columns) or list(table.columns)
        result = connection.execution_options(yield_per=2000).execute(
            sa.select(table).order_by(*order)
        )
        for row in result.mappings():
            line = encode_row(dict(row))
            lines.write(line)
            digest.update(line)
            count += 1
        size = lines.tell()
        lines.seek(0)
        info = tarfile.TarInfo(f"{TABLES}{table.name}.jsonl")
        info.size, info.mtime, info.mode = size, int(datetime.now(UTC).timestamp()), 0o600
        tar.addfile(info, lines)
    manifest.tables[table.name] = {"rows": count, "sha256": digest.hexdigest()}


@contextmanager
def _snapshot(database_url: str) -> Iterator[sa.Connection]:
    url = sa.make_url(database_url)
    if url.get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            copy = Path(folder) / "snapshot.sqlite3"
            _sqlite_backup(url.database or "", copy)
            engine = sa.create_engine(f"sqlite:///{copy}")
            try:
                with engine.connect() as connection:
                    yield connection
            finally:
                engine.dispose()
        return
    engine = sa.create_engine(database_url)
    try:
        with (
            engine.connect().execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            ) as connection,
            connection.begin(),
        ):
            yield connection
    finally:
        engine.dispose()


def _sqlite_backup(source: str, copy: Path) -> None:
    # SQLite's online backup copies a consistent state while other connections write.
    if not source or source == ":memory:" or not Path(source).is_file():
        raise BackupError(f"there is no SQLite database file at {source!r}")
    with sqlite3.connect(source, timeout=30) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def _stored_files(root: Path) -> Iterator[tuple[str, Path]]:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.startswith(".") and path.name not in SECRET_NAMES:
            yield path.relative_to(root).as_posix(), path


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(datetime.now(UTC).timestamp()), 0o600
    tar.addfile(info, io.BytesIO(data))
