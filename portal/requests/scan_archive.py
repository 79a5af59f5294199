"""A ZIP file of certificate scans for a CSV batch: one scan per vehicle, named by its VIN.

The archive stays where Werkzeug spooled the upload (on disk) and is read one entry at a time,
so no more than one scan is in memory. Sizes are checked twice: as the ZIP declares them,
before anything is decompressed, and as bytes are actually read, because a declaration can lie
(a "zip bomb"). Every scan passes the same content check as a single upload.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from flask_babel import gettext as _

from portal.errors import ValidationError
from portal.requests.attachments import (
    CONTENT_TYPE_OF_EXTENSION,
    MAX_ATTACHMENT_BYTES,
    AttachmentError,
    AttachmentErrorCode,
    check_attachment,
)
from portal.requests.uploads import Upload, attachment_message
from portal.vehicles.vin import normalise_vin

MB = 1024 * 1024
# Files the archivers of macOS and Windows add by themselves; they are not scans.
_IGNORED_NAMES = {"thumbs.db", "desktop.ini"}
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class ScanLimits:
    """How much an archive may hold: its own size, its content unpacked, its entries."""

    archive_bytes: int = 200 * MB
    unpacked_bytes: int = 500 * MB
    entries: int = 10_000
    scan_bytes: int = MAX_ATTACHMENT_BYTES


@dataclass(frozen=True)
class ScanArchive:
    """The uploaded ZIP file of scans: a seekable stream and the name it was sent with."""

    stream: BinaryIO
    filename: str


class ArchiveRefused(ValidationError):
    """A ZIP file that cannot be used at all (damaged, too large, too many files)."""


@dataclass(frozen=True)
class ScanError:
    """One problem in the ZIP file: the file it concerns, as named in the ZIP, and the reason."""

    file: str
    message: str


@dataclass(frozen=True)
class ScanEntry:
    """A file in the ZIP named like a scan of the vehicle with this VIN."""

    vin: str
    info: zipfile.ZipInfo

    @property
    def name(self) -> str:
        return self.info.filename


def open_archive(stream: BinaryIO, limits: ScanLimits) -> zipfile.ZipFile:
    """Return the ZIP file read from the stream, or raise ArchiveRefused."""
    stream.seek(0, 2)
    if stream.tell() > limits.archive_bytes:
        raise ArchiveRefused(
            _("The ZIP file of scans is larger than %(n)d MB.", n=limits.archive_bytes // MB)
        )
    stream.seek(0)
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise ArchiveRefused(
            _("The ZIP file of scans cannot be opened: it is damaged or not a ZIP file.")
        ) from None
    if len(archive.infolist()) > limits.entries:
        raise ArchiveRefused(_("The ZIP file holds more than %(n)d files.", n=limits.entries))
    return archive


def _parts(name: str) -> list[str] | None:
    """Return the folders and file name of an entry, or None when it points outside the ZIP."""
    name = name.replace("\\", "/")
    if name.startswith("/") or _DRIVE.match(name):
        return None
    parts = [part for part in name.split("/") if part]
    if any(part == ".." for part in parts):
        return None
    return parts


def _is_ignored(info: zipfile.ZipInfo, parts: list[str]) -> bool:
    return (
        info.is_dir()
        or parts[0] == "__MACOSX"
        or any(part.startswith(".") for part in parts)
        or parts[-1].lower() in _IGNORED_NAMES
    )


def _entry(info: zipfile.ZipInfo, limits: ScanLimits) -> ScanEntry | ScanError | None:
    """Return the entry as a scan, the reason it cannot be one, or None when it is ignored."""
    parts = _parts(info.filename)
    if parts is None:
        return ScanError(
            info.filename, _("This name points outside the ZIP file; such a file is refused.")
        )
    if not parts or _is_ignored(info, parts):
        return None
    if len(parts) > 2:
        return ScanError(
            info.filename,
            _("Put the scans at the top of the ZIP file or in one folder, not in sub-folders."),
        )
    stem, dot, extension = parts[-1].rpartition(".")
    if not dot or f".{extension.lower()}" not in CONTENT_TYPE_OF_EXTENSION:
        error = AttachmentError(AttachmentErrorCode.EXTENSION, "", extension=f".{extension}")
        return ScanError(info.filename, attachment_message(error))
    if info.flag_bits & 0x1:
        return ScanError(
            info.filename,
            _("This file is encrypted (protected by a password); add it without a password."),
        )
    if info.file_size > limits.scan_bytes:
        error = AttachmentError(AttachmentErrorCode.TOO_LARGE, "", extension=f".{extension}")
        return ScanError(info.filename, attachment_message(error))
    return ScanEntry(vin=normalise_vin(stem), info=info)


def list_scans(
    archive: zipfile.ZipFile, vins: set[str], limits: ScanLimits
) -> tuple[list[ScanEntry], list[ScanError]]:
    """Return the scans to read, one per VIN of the CSV file, and every problem with names.

    Raises ArchiveRefused when the scans declare more bytes, unpacked, than the limit.
    """
    entries: dict[str, ScanEntry] = {}
    errors: list[ScanError] = []
    for info in archive.infolist():
        found = _entry(info, limits)
        if found is None or isinstance(found, ScanError):
            errors += [found] if found else []
        elif found.vin not in vins:
            errors.append(
                ScanError(
                    found.name,
                    _("This scan matches no row: no row has the VIN %(vin)s.", vin=found.vin),
                )
            )
        elif found.vin in entries:
            errors.append(
                ScanError(
                    found.name,
                    _(
                        "Two scans for the VIN %(vin)s: this one and %(other)s. Keep one.",
                        vin=found.vin,
                        other=entries[found.vin].name,
                    ),
                )
            )
        else:
            entries[found.vin] = found
    if sum(entry.info.file_size for entry in entries.values()) > limits.unpacked_bytes:
        raise ArchiveRefused(_unpacked_too_large(limits))
    return list(entries.values()), errors


def read_scans(
    archive: zipfile.ZipFile, entries: list[ScanEntry], limits: ScanLimits
) -> Iterator[tuple[ScanEntry, Upload | ScanError]]:
    """Yield each scan with its checked content, or the reason it is refused, one at a time.

    Raises ArchiveRefused when more bytes come out than the limit, whatever was declared.
    """
    unpacked = 0
    for entry in entries:
        try:
            with archive.open(entry.info) as member:
                # One byte more than allowed is enough to know the file is too large.
                data = member.read(limits.scan_bytes + 1)
        except NotImplementedError:
            yield entry, ScanError(entry.name, _unsupported_method())
            continue
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
            yield entry, ScanError(entry.name, _damaged_entry())
            continue
        unpacked += len(data)
        if unpacked > limits.unpacked_bytes:
            raise ArchiveRefused(_unpacked_too_large(limits))
        try:
            checked = check_attachment(entry.name, data, max_bytes=limits.scan_bytes)
        except AttachmentError as error:
            yield entry, ScanError(entry.name, attachment_message(error))
            continue
        yield entry, Upload(checked=checked, data=data)


def _unpacked_too_large(limits: ScanLimits) -> str:
    return _(
        "The scans in the ZIP file come to more than %(n)d MB unpacked; split the batch.",
        n=limits.unpacked_bytes // MB,
    )


def _unsupported_method() -> str:
    return _(
        "This file is compressed with a method the Portal cannot read; make the ZIP file "
        "with ordinary (deflate) compression."
    )


def _damaged_entry() -> str:
    return _("This file is damaged inside the ZIP file and cannot be read.")
