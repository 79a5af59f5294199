"""Where files live (letter PDFs, certificate scans): a small interface over a folder.

A file put while a database transaction is open is removed again if that transaction (or the
savepoint it was put in) rolls back, so a failed operation never leaves an orphan file.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

KEY = re.compile(r"^[a-z0-9][a-z0-9_\-]*(/[a-zA-Z0-9][a-zA-Z0-9_.\-]*)+$")
_PENDING = "portal_pending_files"


class StorageError(Exception):
    """A key that is malformed, or a file that is missing."""


class FileStorage:
    """Files under one root folder, written atomically, addressed by keys like 'letters/a.pdf'."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not KEY.match(key) or ".." in key:
            raise StorageError(f"not a storage key: {key!r}")
        return self.root / key

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


def storage() -> FileStorage:
    """Returns the current application's file storage."""
    return FileStorage(current_app.config["STORAGE_DIR"])


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
