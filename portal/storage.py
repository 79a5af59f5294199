"""Where files live (letter PDFs, certificate scans): keys like 'letters/a.pdf' over a folder
(the embedded default) or over a table of the database (every instance of the Portal reads
the same files, and a file is written in the same transaction as the row that names it).

A file put while a database transaction is open is removed again if that transaction (or the
savepoint it was put in) rolls back, so a failed operation never leaves an orphan file.
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Protocol

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column, sessionmaker

from portal.db import Base, utcnow

KEY = re.compile(r"^[a-z0-9][a-z0-9_\-]*(/[a-zA-Z0-9][a-zA-Z0-9_.\-]*)+$")
_PENDING = "portal_pending_files"


class StorageError(Exception):
    """A key that is malformed, or a file that is missing."""


def _checked(key: str) -> str:
    if not KEY.match(key) or ".." in key:
        raise StorageError(f"not a storage key: {key!r}")
    return key


class Storage(Protocol):
    """What the Portal needs of a place for files."""

    def put(self, key: str, data: bytes, *, session: Session | None = None) -> None: ...
    def get(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...


class FileStorage:
    """Files under one root folder, written atomically, addressed by keys like 'letters/a.pdf'."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    def put(self, key: str, data: bytes, *, session: Session | None = None) -> None:
        """Writes the file; with a session, the file goes again if the session rolls back."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)  # readers never see half a file
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        if session is not None:
            # Bound to the innermost transaction (a savepoint too) that is open now.
            transaction = session.get_nested_transaction() or session.get_transaction()
            session.info.setdefault(_PENDING, []).append((self, key, transaction))

    def get(self, key: str) -> bytes:
        """Returns the file's bytes, or raises StorageError if it is missing."""
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise StorageError(f"no file stored at {key!r}") from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class StoredFile(Base):
    """A file kept in the database (STORAGE = "database")."""

    __tablename__ = "stored_file"

    key: Mapped[str] = mapped_column(sa.String(300), primary_key=True)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    size: Mapped[int]
    stored_at: Mapped[datetime] = mapped_column(default=utcnow)


class DatabaseStorage:
    """Files in the stored_file table. Put with a session, a file is part of that session's
    transaction: it is there when the transaction commits and gone when it rolls back."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def put(self, key: str, data: bytes, *, session: Session | None = None) -> None:
        row = StoredFile(key=_checked(key), data=bytes(data), size=len(data), stored_at=utcnow())
        if session is not None:
            session.merge(row)
            session.flush()
            return
        with self.sessions() as own, own.begin():
            own.merge(row)

    def get(self, key: str) -> bytes:
        """Returns the file's bytes, or raises StorageError if it is missing."""
        with self.sessions() as own:
            data = own.scalar(sa.select(StoredFile.data).where(StoredFile.key == _checked(key)))
        if data is None:
            raise StorageError(f"no file stored at {key!r}")
        return bytes(data)

    def exists(self, key: str) -> bool:
        with self.sessions() as own:
            found = own.scalar(sa.select(StoredFile.key).where(StoredFile.key == _checked(key)))
        return found is not None

    def delete(self, key: str) -> None:
        with self.sessions() as own, own.begin():
            own.execute(sa.delete(StoredFile).where(StoredFile.key == _checked(key)))


STORAGE_KINDS = ("folder", "database")


def storage_for(app: Flask) -> Storage:
    """Returns the app's file storage: the configured folder, or the database."""
    if app.config.get("STORAGE", "folder") == "database":
        return DatabaseStorage(app.extensions["portal_db"].sessionmaker)
    return FileStorage(app.config["STORAGE_DIR"])


def storage() -> Storage:
    """Returns the current application's file storage."""
    return storage_for(current_app._get_current_object())  # type: ignore[attr-defined]


@event.listens_for(Session, "after_commit")
def _keep_files(session: Session) -> None:
    # Fired for released savepoints too: their files stay pending until the whole unit ends.
    if not session.in_transaction():
        session.info.pop(_PENDING, None)


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_soft_rollback")
def _remove_files(session: Session, previous: SessionTransaction) -> None:
    # A rolled-back transaction (or savepoint) takes the files put inside it along.
    pending = session.info.get(_PENDING, [])
    kept = []
    for store, key, transaction in pending:
        if _within(transaction, previous):
            store.delete(key)
        else:
            kept.append((store, key, transaction))
    session.info[_PENDING] = kept
