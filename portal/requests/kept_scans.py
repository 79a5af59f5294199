"""Certificate scans kept on the server while their form is corrected.

When a request form comes back with an error, the scan that came with it is not lost: it is
stored as a pending upload of the person who sent it, the form carries only a random token,
and the next try uses it unless another file is chosen. Pending uploads are removed when
used, and after a day."""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from portal.db import utcnow
from portal.requests.attachments import AttachmentError, check_attachment
from portal.requests.uploads import Upload
from portal.storage import DatabaseStorage, FileStorage, Storage, StorageError, StoredFile

FOLDER = "pending-scans"
KEPT_FOR_SECONDS = 24 * 3600
TOKEN = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class KeptScan:
    token: str
    filename: str


def _key(user_id: int, token: str, part: str) -> str:
    return f"{FOLDER}/u{user_id}/{token}.{part}"


def keep_scan(store: Storage, user_id: int, upload: Upload) -> KeptScan:
    """Stores the checked scan as the user's pending upload; returns its token and name."""
    _forget_old(store, user_id)
    token = secrets.token_hex(16)
    store.put(_key(user_id, token, "bin"), upload.data)
    store.put(_key(user_id, token, "name"), upload.checked.filename.encode("utf-8"))
    return KeptScan(token=token, filename=upload.checked.filename)


def kept_scan(store: Storage, user_id: int, token: str) -> tuple[KeptScan, Upload] | None:
    """Returns the user's pending upload with this token, checked again, or None."""
    if not TOKEN.match(token or ""):
        return None
    try:
        filename = store.get(_key(user_id, token, "name")).decode("utf-8")
        data = store.get(_key(user_id, token, "bin"))
        checked = check_attachment(filename, data)
    except (StorageError, AttachmentError, UnicodeDecodeError):
        return None
    return KeptScan(token=token, filename=filename), Upload(checked=checked, data=data)


def drop_scan(store: Storage, user_id: int, token: str) -> None:
    """Removes the pending upload (after it was used)."""
    if TOKEN.match(token or ""):
        for part in ("bin", "name"):
            store.delete(_key(user_id, token, part))


def _forget_old(store: Storage, user_id: int) -> None:
    # Scans kept for forms never sent again: the storage has no listing, so each kind is
    # swept its own way.
    prefix = f"{FOLDER}/u{user_id}/"
    if isinstance(store, FileStorage):
        folder = store.root / prefix
        limit = time.time() - KEPT_FOR_SECONDS
        for path in folder.iterdir() if folder.is_dir() else []:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
    elif isinstance(store, DatabaseStorage):
        with store.sessions() as session, session.begin():
            session.execute(
                sa.delete(StoredFile).where(
                    StoredFile.key.startswith(prefix, autoescape=True),
                    StoredFile.stored_at < utcnow() - timedelta(seconds=KEPT_FOR_SECONDS),
                )
            )
