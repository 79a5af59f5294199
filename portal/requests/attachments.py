"""Registration-certificate scans: what a file really is, judged from its content.

A pure module (no Flask, no storage). The extension a browser sends is only a claim: the first
bytes must agree with it (an .exe renamed .pdf is refused, so is a PNG named .pdf), and the file
must really open: Pillow decodes images completely; a PDF needs its header and, near the end,
the `startxref` pointer and `%%EOF` marker every reader looks for first.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass
from enum import StrEnum

from PIL import Image

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# A 600 dpi A4 colour scan has about 35 million pixels; far more is a decompression bomb.
MAX_IMAGE_PIXELS = 80_000_000
# Readers accept the end-of-file marker within the last kilobyte (trailing bytes are common).
PDF_TAIL_BYTES = 1024

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"

CONTENT_TYPE_OF_EXTENSION = {".pdf": PDF, ".jpg": JPEG, ".jpeg": JPEG, ".png": PNG}
EXTENSION_OF_CONTENT_TYPE = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PILLOW_FORMAT = {JPEG: "JPEG", PNG: "PNG"}
_UNSAFE_NAME_CHARACTERS = re.compile(r"[\x00-\x1f\x7f\"\\/:*?<>|]")


class AttachmentErrorCode(StrEnum):
    """Why a file was refused."""

    EMPTY = "empty"
    TOO_LARGE = "too_large"
    EXTENSION = "extension"
    UNKNOWN_CONTENT = "unknown_content"
    MISMATCH = "mismatch"
    DAMAGED = "damaged"


class AttachmentError(ValueError):
    """A file that cannot be kept as a certificate scan, with a code and an English message.

    `extension` (as named) and `detected` (the content type found, if any) let a form phrase
    the problem in another language.
    """

    def __init__(
        self,
        code: AttachmentErrorCode,
        message: str,
        *,
        extension: str = "",
        detected: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extension = extension
        self.detected = detected


@dataclass(frozen=True)
class CheckedAttachment:
    """A file known to be a PDF, JPEG or PNG that opens, with what is stored about it."""

    filename: str
    content_type: str
    extension: str
    size: int
    sha256: str


def sniff_content_type(data: bytes) -> str | None:
    """Return the content type the magic bytes announce (PDF, JPEG or PNG), or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(PNG_SIGNATURE):
        return PNG
    return None


def clean_filename(filename: str) -> str:
    """Return the file's own name without folders or control characters, at most 200 long."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = _UNSAFE_NAME_CHARACTERS.sub("_", name).strip(" .")
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: 199 - len(extension)] + dot + extension) if dot else name[:200]
    return name or "scan"


def extension_of(filename: str) -> str:
    """Return the lower-case extension with its dot ('.pdf'), or '' when there is none."""
    name = clean_filename(filename)
    _, dot, extension = name.rpartition(".")
    return f".{extension.lower()}" if dot else ""


def check_attachment(
    filename: str, data: bytes, *, max_bytes: int = MAX_ATTACHMENT_BYTES
) -> CheckedAttachment:
    """Return what is known about a scan that passes every check, or raise `AttachmentError`."""
    extension = extension_of(filename)
    declared = _declared_type(extension)
    if not data:
        raise AttachmentError(AttachmentErrorCode.EMPTY, "The file is empty.", extension=extension)
    if len(data) > max_bytes:
        raise AttachmentError(
            AttachmentErrorCode.TOO_LARGE,
            f"The file has {len(data)} bytes; a scan may have at most {max_bytes}.",
            extension=extension,
        )
    detected = sniff_content_type(data)
    if detected is None:
        raise AttachmentError(
            AttachmentErrorCode.UNKNOWN_CONTENT,
            f"The file is named {extension} but its content is not a PDF, JPEG or PNG file.",
            extension=extension,
        )
    if detected != declared:
        raise AttachmentError(
            AttachmentErrorCode.MISMATCH,
            f"The file is named {extension} but its content is {detected}.",
            extension=extension,
            detected=detected,
        )
    if detected == PDF:
        _check_pdf(data, extension)
    else:
        _check_image(data, detected, extension)
    return CheckedAttachment(
        filename=clean_filename(filename),
        content_type=detected,
        extension=EXTENSION_OF_CONTENT_TYPE[detected],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _declared_type(extension: str) -> str:
    """Return the content type the extension claims, or raise `AttachmentError`."""
    declared = CONTENT_TYPE_OF_EXTENSION.get(extension)
    if declared is None:
        raise AttachmentError(
            AttachmentErrorCode.EXTENSION,
            f"A scan must be a PDF, JPEG or PNG file (.pdf, .jpg, .jpeg, .png), not {extension!r}.",
            extension=extension,
        )
    return declared


def _check_pdf(data: bytes, extension: str) -> None:
    """Return nothing if the PDF has its end-of-file structure; raise `AttachmentError`."""
    tail = data[-PDF_TAIL_BYTES:]
    if b"%%EOF" in tail and b"startxref" in data[-(PDF_TAIL_BYTES + 64) :]:
        return
    raise AttachmentError(
        AttachmentErrorCode.DAMAGED,
        "The PDF file is incomplete or damaged (its end-of-file marker is missing).",
        extension=extension,
        detected=PDF,
    )


def _check_image(data: bytes, content_type: str, extension: str) -> None:
    """Return nothing if Pillow opens and fully decodes the image; raise `AttachmentError`."""
    damaged = AttachmentError(
        AttachmentErrorCode.DAMAGED,
        "The image file is incomplete or damaged and cannot be opened.",
        extension=extension,
        detected=content_type,
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format != _PILLOW_FORMAT[content_type]:
                    raise damaged
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise damaged
                image.verify()
            # verify() leaves the image unusable and skips pixel data: decode it in full.
            with Image.open(io.BytesIO(data)) as image:
                image.load()
    except AttachmentError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning):
        raise damaged from None
