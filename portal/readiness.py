"""Whether the Portal can serve: each dependency checked on its own, quickly, without Flask.

`/readyz` shows the result; a load balancer takes an instance out of rotation while any
check fails and back in when all pass again. Nothing is cached: every call checks anew, so
recovery is seen at once.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import redis
import sqlalchemy as sa
from sqlalchemy.engine import Engine

# Below this much free space letters cannot be stored safely (a batch ZIP, a thousand PDFs).
MIN_FREE_BYTES = 200 * 1024 * 1024
TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def check_database(engine: Engine) -> Check:
    """Returns whether a `SELECT 1` on a connection from the pool succeeds."""
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        cause = getattr(error, "orig", None) or error
        return Check("database", False, f"unreachable ({type(cause).__name__})")
    return Check("database", True, "ok")


def check_redis(url: str | None) -> Check:
    """Returns whether Redis answers PING (ok and 'not configured' when there is none)."""
    if not url:
        return Check("redis", True, "not configured")
    client = redis.Redis.from_url(
        url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
    )
    try:
        client.ping()
    except redis.RedisError as error:
        return Check("redis", False, f"unreachable ({type(error).__name__})")
    finally:
        client.close()
    return Check("redis", True, "ok")


def check_storage(root: str | Path, min_free: int = MIN_FREE_BYTES) -> Check:
    """Returns whether the storage folder takes a new file and has room for more."""
    folder = Path(root)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".ready-")
        os.close(fd)
        os.unlink(probe)
        free = shutil.disk_usage(folder).free
    except OSError as error:
        return Check("storage", False, f"not writable ({error.strerror or type(error).__name__})")
    if free < min_free:
        return Check("storage", False, f"almost full ({free // (1024 * 1024)} MB free)")
    return Check("storage", True, "ok")
