"""A ZIP written for a streamed response: the archive writes into a sink whose bytes are
handed to the response piece by piece, so memory stays flat however many letters it holds."""

from __future__ import annotations

import io


class ZipSink(io.RawIOBase):
    """A write-only, unseekable stream; `take` returns what was written since the last take."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        self.parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data
