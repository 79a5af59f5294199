"""Reading a certificate scan from a form: its bytes, checked, with errors in the person's
language. The checks themselves live in attachments.py (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage as UploadedFile

from portal.errors import ValidationError
from portal.requests.attachments import (
    MAX_ATTACHMENT_BYTES,
    AttachmentError,
    AttachmentErrorCode,
    CheckedAttachment,
    check_attachment,
)


@dataclass(frozen=True)
class Upload:
    """A scan that passed every check, not yet stored."""

    checked: CheckedAttachment
    data: bytes


def read_upload(
    uploaded: UploadedFile | None, *, required: bool, field: str = "certificate"
) -> Upload | None:
    """Return the uploaded scan checked, None when none was sent and none is required, or
    raise ValidationError naming the field."""
    if uploaded is None or not uploaded.filename:
        if required:
            raise ValidationError(
                _("Attach the scan of the Motor Vehicle Registration Certificate."), field=field
            )
        return None
    # One byte more than allowed is enough to know the file is too large.
    data = uploaded.stream.read(MAX_ATTACHMENT_BYTES + 1)
    try:
        checked = check_attachment(uploaded.filename, data)
    except AttachmentError as error:
        raise ValidationError(attachment_message(error), field=field) from None
    return Upload(checked=checked, data=data)


def attachment_message(error: AttachmentError) -> str:
    """Return why the file was refused, in the person's language."""
    messages = {
        AttachmentErrorCode.EXTENSION: _(
            "The scan must be a PDF, JPEG or PNG file (.pdf, .jpg, .jpeg or .png)."
        ),
        AttachmentErrorCode.EMPTY: _("The file is empty."),
        AttachmentErrorCode.TOO_LARGE: _(
            "The file is larger than %(n)d MB.", n=MAX_ATTACHMENT_BYTES // 1024 // 1024
        ),
        AttachmentErrorCode.UNKNOWN_CONTENT: _(
            "The file is named %(ext)s but its content is not a PDF, JPEG or PNG file. "
            "Nothing was stored.",
            ext=error.extension,
        ),
        AttachmentErrorCode.MISMATCH: _(
            "The file is named %(ext)s but its content is %(type)s. Save it with the right "
            "extension.",
            ext=error.extension,
            type=error.detected,
        ),
        AttachmentErrorCode.DAMAGED: _("The file is incomplete or damaged and cannot be opened."),
    }
    return messages[error.code]
