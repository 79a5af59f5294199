"""The key set and revocation list kept on disk for checks without a network.

``fetch`` downloads both from a Portal, checks them (the list must verify with the
authority key of the key set) and only then replaces what was stored.
"""

from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from portal_verify.keyset import KeySet, load_keyset
from portal_verify.revocations import MAX_LIST_BYTES, RevocationList, load_revocation_list

KEYS_PATH = "/.well-known/portal-keys.json"
REVOCATIONS_PATH = "/.well-known/portal-revocations"
KEYS_FILE = "portal-keys.json"
REVOCATIONS_FILE = "portal-revocations.cose"
SOURCE_FILE = "source.json"
_MAX_KEYSET_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Fetched:
    """What ``fetch`` stored."""

    directory: Path
    origin: str
    keys: KeySet
    revocations: RevocationList


def default_store() -> Path:
    """Return the directory the key set and list are kept in: $PORTAL_VERIFY_HOME, else
    $XDG_DATA_HOME/portal-verify, else ~/.local/share/portal-verify."""
    if os.environ.get("PORTAL_VERIFY_HOME"):
        return Path(os.environ["PORTAL_VERIFY_HOME"])
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "portal-verify"


def portal_origin(url: str) -> str:
    """Return scheme://host[:port] of a Portal URL (any of its pages, or a letter's URL)."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) URL: {url!r}")
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def fetch(url: str, directory: Path, *, timeout: float = 30) -> Fetched:
    """Return what was downloaded from the Portal at ``url`` and stored in ``directory``;
    OSError if it cannot be downloaded, VerifyError if it does not check out."""
    origin = portal_origin(url)
    # The list first: a key set fetched after it holds the key that signed it, even when the
    # Portal made its first list (and key) for this very request.
    list_bytes = _download(origin + REVOCATIONS_PATH, MAX_LIST_BYTES, timeout)
    keys_bytes = _download(origin + KEYS_PATH, _MAX_KEYSET_BYTES, timeout)
    keys = load_keyset(json.loads(keys_bytes))
    revocations = load_revocation_list(list_bytes, keys)
    directory.mkdir(parents=True, exist_ok=True)
    source = {"origin": origin, "fetched_at": datetime.now(UTC).isoformat()}
    _write(directory / KEYS_FILE, keys_bytes)
    _write(directory / REVOCATIONS_FILE, list_bytes)
    _write(directory / SOURCE_FILE, json.dumps(source).encode())
    return Fetched(directory, origin, keys, revocations)


def read_keys(path: Path) -> KeySet:
    """Return the key set stored at ``path``."""
    return load_keyset(json.loads(path.read_bytes()))


def read_revocations(path: Path, keys: KeySet) -> RevocationList:
    """Return the verified revocation list stored at ``path``."""
    return load_revocation_list(path.read_bytes(), keys)


def _download(url: str, limit: int, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "portal-verify"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        data = response.read(limit + 1)
    if len(data) > limit:
        raise OSError(f"{url} is larger than {limit} bytes")
    return data


def _write(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    partial.replace(path)
