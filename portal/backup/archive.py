"""The backup archive: a tar file holding the manifest, one JSON Lines file per table and the
stored files, each with its SHA-256 in the manifest. Rows are written as portable JSON, so a
backup of SQLite restores into PostgreSQL and back. The master key is never in it."""

from __future__ import annotations

import base64
import enum
import hashlib
import json
import tarfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

import sqlalchemy as sa

FORMAT = "portal-backup"
VERSION = 1
MANIFEST = "manifest.json"
TABLES = "database/"
FILES = "files/"


class BackupError(Exception):
    """An archive that cannot be written or restored; the message says why."""


@dataclass
class Manifest:
    created_at: str
    revision: str
    source: str  # the database kind backed up
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> rows, sha256
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> size, sha256
    audit_head: dict[str, Any] = field(default_factory=dict)
    letters: int = 0

    def to_json(self) -> bytes:
        body = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": self.created_at,
            "alembic_revision": self.revision,
            "source_database": self.source,
            "letters": self.letters,
            "audit_head": self.audit_head,
            "tables": self.tables,
            "files": self.files,
            "master_key": "not included: restore needs the master key in use at backup time",
        }
        return json.dumps(body, indent=1, sort_keys=True, ensure_ascii=False).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        try:
            body = json.loads(data)
        except ValueError:
            raise BackupError("the archive's manifest is not JSON") from None
        if body.get("format") != FORMAT or body.get("version") != VERSION:
            raise BackupError("this is not a Portal backup archive of a version this Portal reads")
        return cls(
            created_at=body["created_at"],
            revision=body["alembic_revision"],
            source=body["source_database"],
            tables=body["tables"],
            files=body["files"],
            audit_head=body["audit_head"],
            letters=body["letters"],
        )


def sha256_of(handle: IO[bytes]) -> str:
    """Returns the hex SHA-256 of everything the handle still holds."""
    digest = hashlib.sha256()
    for block in iter(lambda: handle.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()


def encode_row(row: dict[str, Any]) -> bytes:
    """Returns one table row as a JSON line, with dates, times and bytes marked."""
    return json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False).encode() + b"\n"


def decode_row(table: sa.Table, line: bytes) -> dict[str, Any]:
    """Returns the row a JSON line holds, with values of the column types of the table."""
    raw = json.loads(line)
    row = {}
    for name, value in raw.items():
        if name not in table.c:
            raise BackupError(f"table {table.name} has no column {name} in this Portal")
        row[name] = _decode(table.c[name].type, value)
    return row


def _encode(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, bytes | memoryview):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    return value


def _decode(column_type: Any, value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((marker, text),) = value.items()
        if marker == "$datetime":
            return datetime.fromisoformat(text)
        if marker == "$date":
            return date.fromisoformat(text)
        if marker == "$bytes":
            return base64.b64decode(text)
    enum_class = getattr(column_type, "enum_class", None)
    if enum_class is not None and value is not None:
        return enum_class(value)
    return value


def open_archive(path: str) -> tarfile.TarFile:
    """Returns the archive opened for reading, or BackupError saying why it cannot be."""
    try:
        return tarfile.open(path, "r:*")
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"{path} cannot be read as a backup archive: {error}") from None
