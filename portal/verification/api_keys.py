"""API keys for licensing systems: created by the platform administrator, shown once, kept
only as a hash, revocable, each with its own quotas; and how a request presenting one is
recognised.

A request with a key is counted against the key, not against its address. An unknown or
revoked key is answered 401, and such answers are themselves limited per address before any
look-up, so keys cannot be guessed at database speed.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, g, jsonify, request
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from limits import parse_many
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.db import db_session, utcnow
from portal.errors import PortalError
from portal.rate_limits import API_KEY_HEADER, limiter
from portal.verification.models import ApiKey

KEY_PREFIX = "asc_"
MAX_NAME_CHARS = 120
_BAD_KEY_SCOPE = "bad-api-key"


@dataclass(frozen=True)
class ApiClient:
    """The key a request presented, as the limiter needs it."""

    id: int
    checks_limit: str
    misses_limit: str


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_api_key(
    session: Session,
    *,
    name: str,
    checks_per_minute: int,
    misses_per_hour: int,
    created_by: User | None,
) -> tuple[ApiKey, str]:
    """Returns the new key's record and the key itself (which is not stored)."""
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME_CHARS:
        raise PortalError(
            _("Name the system the key is for (1 to %(n)s characters).", n=MAX_NAME_CHARS)
        )
    if not 1 <= checks_per_minute <= 100_000 or not 1 <= misses_per_hour <= 100_000:
        raise PortalError(_("Quotas are whole numbers from 1 to 100000."))
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    record = ApiKey(
        name=name,
        prefix=key[: len(KEY_PREFIX) + 6],
        key_hash=key_hash(key),
        checks_per_minute=checks_per_minute,
        misses_per_hour=misses_per_hour,
        created_by_id=None if created_by is None else created_by.id,
    )
    session.add(record)
    session.flush()
    return record, key


def revoke_api_key(session: Session, record: ApiKey) -> None:
    """Revokes the key from the next request on; revoking twice changes nothing."""
    if record.revoked_at is None:
        record.revoked_at = utcnow()
        session.flush()


def api_keys(session: Session) -> list[ApiKey]:
    """Returns every key, the newest first."""
    return list(session.scalars(sa.select(ApiKey).order_by(ApiKey.id.desc())))


def client_for_key(session: Session, key: str) -> ApiClient | None:
    """Returns the client a key belongs to, or None when it is unknown or revoked."""
    record = session.scalar(
        sa.select(ApiKey).where(ApiKey.key_hash == key_hash(key), ApiKey.revoked_at.is_(None))
    )
    if record is None:
        return None
    return ApiClient(
        id=record.id,
        checks_limit=f"{record.checks_per_minute} per minute",
        misses_limit=f"{record.misses_per_hour} per hour",
    )


def resolve_api_client() -> Response | None:
    """Before the limiter: recognises the API key a request to the API presents."""
    key = request.headers.get(API_KEY_HEADER, "").strip()
    if not key or request.blueprint != "api" or not current_app.config["RATELIMIT_ENABLED"]:
        return None
    address = get_remote_address() or "unknown"
    bad_keys = parse_many(current_app.config["RATELIMIT_BAD_API_KEYS"])
    if not _counted(
        lambda strategy: all(strategy.test(i, _BAD_KEY_SCOPE, address) for i in bad_keys)
    ):
        return _refused(429, "Too many requests", "too many unknown API keys from this address")
    client = client_for_key(db_session(), key) if len(key) <= 100 else None
    if client is None:
        _counted(lambda strategy: all(strategy.hit(i, _BAD_KEY_SCOPE, address) for i in bad_keys))
        return _refused(401, "invalid_api_key", "the API key is unknown or revoked")
    g.api_client = client
    return None


def _counted(operation) -> bool:
    """Returns the counters' answer; True when they cannot be reached (the limiter itself
    then falls back to per-process counters for the request)."""
    try:
        return bool(operation(limiter.limiter))
    except Exception:  # the storage's errors are its driver's (redis, memcached, ...)
        return True


def _refused(status: int, error: str, message: str) -> Response:
    response = jsonify(error=error, message=message)
    response.status_code = status
    if status == 429:
        response.headers["Retry-After"] = "60"
    return response
