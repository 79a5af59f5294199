"""Where files live (letter PDFs, certificate scans): a small interface over a folder.

A file put while a database transaction is open is removed again if that transaction rolls
back, so a failed operation never leaves an orphan file behind.
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
            session.info.setdefault(_PENDING, []).append((self, key))

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
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_soft_rollback")
def _remove_files(session: Session, previous: SessionTransaction) -> None:
    # Only when the whole unit of work is undone (not a savepoint inside it).
    if previous.parent is None:
        for store, key in session.info.pop(_PENDING, []):
            store.delete(key)
