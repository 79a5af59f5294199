"""The audit hash chain (pure): each entry's hash covers its content and its predecessor's hash,
so an entry edited, inserted or deleted behind the Portal's back breaks the chain there."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64  # the "predecessor" of the first entry


@dataclass(frozen=True)
class ChainedContent:
    """What an entry's hash covers, besides its predecessor's hash."""

    seq: int
    at: datetime
    actor_id: int | None
    organisation_id: int | None
    action: str
    object_type: str
    object_id: str
    details: dict[str, Any]


def canonical(content: ChainedContent) -> bytes:
    """Returns the entry's content as canonical JSON (sorted keys, no spaces, UTF-8)."""
    moment = content.at if content.at.tzinfo else content.at.replace(tzinfo=UTC)
    body = {
        "seq": content.seq,
        "at": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "actor_id": content.actor_id,
        "organisation_id": content.organisation_id,
        "action": content.action,
        "object_type": content.object_type,
        "object_id": content.object_id,
        "details": content.details,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(prev_hash: str, content: ChainedContent) -> str:
    """Returns the hex SHA-256 of the predecessor's hash and this entry's canonical content."""
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + canonical(content)).hexdigest()
