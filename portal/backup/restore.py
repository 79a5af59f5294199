"""Restoring a backup into an empty instance, all or nothing: every member is checked against
the manifest first; the files are put, then every table is loaded in one transaction; the
configured master key must open the restored keys, or nothing stays."""

from __future__ import annotations

import hashlib
import tarfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from portal import migrations
from portal.audit.record import record
from portal.backup.archive import (
    FILES,
    MANIFEST,
    TABLES,
    BackupError,
    Manifest,
    decode_row,
    open_archive,
    sha256_of,
)
from portal.db import Database, utcnow
from portal.letters.keys.master_key import check_master_key
from portal.models import Base
from portal.storage import FileStorage, StoredFile

BATCH = 500
# Columns naming a row that comes later in the load order: written once every row is in.
# (A letter's supersedes_id names an older letter, loaded before it.)
LATE_COLUMNS = {"outlet": ("current_version_id",), "letter": ("superseded_by_id",)}


@dataclass(frozen=True)
class Restored:
    letters: int
    files: int
    audit_entries: int


def restore_backup(
    path: str, database_url: str, storage_dir: Path | None, master_key: bytes
) -> Restored:
    """Restores the archive into the empty database and storage; returns what came back.
    Files go where this instance keeps them: the folder storage_dir, or (None) the database,
    whichever kind of storage the backed-up instance used."""
    with open_archive(path) as tar:
        manifest = _checked_manifest(tar)
        _prepare_database(database_url, manifest.revision)
        folder = None if storage_dir is None else FileStorage(storage_dir)
        written = [] if folder is None else _put_files(tar, manifest, folder)
        try:
            _load_database(tar, manifest, database_url, master_key, folder, written)
        except BaseException:
            for key in written:
                folder.delete(key)  # type: ignore[union-attr]
            raise
    migrations.upgrade(database_url)
    _record_restoration(database_url, manifest, path)
    return Restored(manifest.letters, len(manifest.files), manifest.audit_head.get("seq", 0))


def _checked_manifest(tar: tarfile.TarFile) -> Manifest:
    try:
        manifest = Manifest.from_json(_read(tar, MANIFEST))
    except KeyError:
        raise BackupError("the archive has no manifest") from None
    expected = {f"{TABLES}{name}.jsonl": v["sha256"] for name, v in manifest.tables.items()}
    expected |= {FILES + key: v["sha256"] for key, v in manifest.files.items()}
    present = set()
    for member in tar:
        if member.name == MANIFEST:
            continue
        if member.name not in expected or not member.isfile():
            raise BackupError(f"the archive holds {member.name}, which its manifest does not list")
        handle = tar.extractfile(member)
        if handle is None:
            raise BackupError(f"the archive's {member.name} is not a file")
        if sha256_of(handle) != expected[member.name]:
            raise BackupError(f"{member.name} does not match its checksum: the archive is damaged")
        present.add(member.name)
    if missing := sorted(set(expected) - present):
        raise BackupError(f"the archive lacks {missing[0]} (and {len(missing) - 1} more)")
    unknown = set(manifest.tables) - {t.name for t in Base.metadata.sorted_tables}
    if unknown:
        raise BackupError(f"the archive holds tables this Portal does not know: {sorted(unknown)}")
    return manifest


def _prepare_database(database_url: str, revision: str) -> None:
    engine = sa.create_engine(database_url)
    try:
        names = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
        if names:
            with engine.connect() as connection:
                current = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
                filled = [
                    name
                    for name in sorted(names)
                    if connection.scalar(sa.text(f'SELECT count(*) FROM "{name}"'))  # noqa: S608  # nosec B608 (names of the Portal's own tables)
                    and name != "audit_chain_head"
                ]
            if filled:
                raise BackupError(
                    f"the database is not empty (table {filled[0]} has rows): restore into a "
                    "new database that was never initialised"
                )
            if current != revision:
                raise BackupError(
                    f"the empty database is at schema {current}, the backup at {revision}: "
                    "restore into a new database with no tables at all"
                )
    finally:
        engine.dispose()
    try:
        migrations.upgrade(database_url, revision)
    except Exception as error:  # alembic names an unknown revision in its own words
        raise BackupError(f"the backup's schema {revision} is unknown here: {error}") from None


def _put_files(tar: tarfile.TarFile, manifest: Manifest, store: FileStorage) -> list[str]:
    written: list[str] = []
    try:
        for key, meta in manifest.files.items():
            data = _read(tar, FILES + key)
            if store.exists(key):
                if hashlib.sha256(store.get(key)).hexdigest() != meta["sha256"]:
                    raise BackupError(f"the storage folder already holds another {key}")
                continue
            store.put(key, data)
            written.append(key)
    except BaseException:
        for key in written:
            store.delete(key)
        raise
    return written


def _load_database(
    tar: tarfile.TarFile,
    manifest: Manifest,
    database_url: str,
    master_key: bytes,
    folder: FileStorage | None,
    written: list[str],
) -> None:
    db = Database(database_url)
    try:
        with db.session() as session:
            connection = session.connection()
            late: list[sa.Update] = []
            for table in Base.metadata.sorted_tables:
                if table.name not in manifest.tables:
                    continue
                data = _read(tar, f"{TABLES}{table.name}.jsonl")
                if table.name == StoredFile.__tablename__ and folder is not None:
                    written += _files_to_folder(table, data, folder)
                else:
                    late += _load_table(connection, table, data)
            if folder is None:
                _files_to_database(connection, tar, manifest)
            for statement in late:  # every row is in: the references forward can be set
                connection.execute(statement)
            _reset_sequences(connection)
            check_master_key(session, master_key)
            session.commit()
    finally:
        db.engine.dispose()


def _record_restoration(database_url: str, manifest: Manifest, path: str) -> None:
    db = Database(database_url)
    try:
        with db.session() as session:
            record(
                session,
                "backup.restored",
                archive=Path(path).name,
                created_at=manifest.created_at,
                letters=manifest.letters,
            )
            session.commit()
    finally:
        db.engine.dispose()


def _load_table(connection: sa.Connection, table: sa.Table, data: bytes) -> list[sa.Update]:
    """Inserts the table's rows; returns the updates that set its late columns."""
    rows = [decode_row(table, line) for line in data.splitlines() if line.strip()]
    if table.name == "audit_chain_head":
        # The migration wrote the head of an empty chain; move it on.
        return [
            sa.update(table).where(table.c.id == row["id"]).values(**row)
            for row in rows
            if row["last_seq"] > 0
        ]
    late = LATE_COLUMNS.get(table.name, ())
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        connection.execute(table.insert(), [{**r, **dict.fromkeys(late)} for r in batch])
    key = table.primary_key.columns.values()[0]
    return [
        sa.update(table).where(key == row[key.name]).values({column: row[column]})
        for column in late
        for row in rows
        if row.get(column) is not None
    ]


def _files_to_folder(table: sa.Table, data: bytes, folder: FileStorage) -> list[str]:
    # Backed up from an instance keeping its files in the database; this one keeps a folder.
    written = []
    for line in data.splitlines():
        if line.strip():
            row = decode_row(table, line)
            if not folder.exists(row["key"]):
                folder.put(row["key"], row["data"])
                written.append(row["key"])
    return written


def _files_to_database(connection: sa.Connection, tar: tarfile.TarFile, manifest: Manifest) -> None:
    # Backed up from an instance keeping a folder; this one keeps its files in the database.
    table = StoredFile.__table__
    present = set(connection.scalars(sa.select(table.c.key)))
    for key in manifest.files:
        if key not in present:
            data = _read(tar, FILES + key)
            connection.execute(
                table.insert().values(key=key, data=data, size=len(data), stored_at=utcnow())
            )


def _reset_sequences(connection: sa.Connection) -> None:
    # Restored rows carry their ids; new rows must continue after them.
    if connection.dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, sa.Integer) or not keys[0].autoincrement:
            continue
        sequence = connection.scalar(
            sa.text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": keys[0].name}
        )
        if sequence:
            connection.execute(
                sa.text(
                    f'SELECT setval(:s, COALESCE((SELECT max("{keys[0].name}") FROM "{table.name}"), 0) + 1, false)'  # noqa: E501, S608  # nosec B608 (the Portal's own table and column names)
                ),
                {"s": sequence},
            )


def _read(tar: tarfile.TarFile, name: str) -> bytes:
    handle = tar.extractfile(name)
    if handle is None:
        raise BackupError(f"{name} in the archive is not a file")
    return handle.read()
