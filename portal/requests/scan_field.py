"""The certificate field of a request form: the scan sent now, or else the one kept on the
server from the form's previous try (see kept_scans.py)."""

from __future__ import annotations

from flask import request
from flask_login import current_user
from werkzeug.datastructures import FileStorage as UploadedFile

from portal.errors import PortalError
from portal.requests.kept_scans import KeptScan, drop_scan, keep_scan, kept_scan
from portal.requests.uploads import Upload, read_upload
from portal.storage import storage


def read_scan(
    uploaded: UploadedFile | None, *, required: bool
) -> tuple[Upload | None, KeptScan | None, PortalError | None]:
    """Returns the scan to use, the kept scan it comes from (if so), and the problem."""
    found = kept_scan(storage(), current_user.id, request.form.get("kept_scan", ""))
    kept, kept_upload = found if found else (None, None)
    try:
        upload = read_upload(uploaded, required=required and kept_upload is None)
    except PortalError as error:
        return None, kept, error
    if upload is None:
        return kept_upload, kept, None
    return upload, None, None  # a new file replaces the kept one


def keep_for_next_try(upload: Upload | None, kept: KeptScan | None) -> KeptScan | None:
    """Returns the kept scan the corrected form will carry: the one it had, or the new file
    stored now."""
    if kept is not None or upload is None:
        return kept
    return keep_scan(storage(), current_user.id, upload)


def forget_kept(kept: KeptScan | None) -> None:
    """Removes the kept scan once the request holds it."""
    if kept is not None:
        drop_scan(storage(), current_user.id, kept.token)
