"""Configuration: typed defaults, then instance/config.py, then PORTAL_* environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from portal.signing.keys import new_master_key_text


class DefaultConfig:
    """The defaults every deployment starts from; instance/config.py and PORTAL_* override them."""

    DATABASE_URL: str | None = None  # None: sqlite file in the instance folder
    SECRET_KEY: str | None = None  # None: generated once and kept in the instance folder
    # Encrypts every private signing key at rest (urlsafe base64 of 32 bytes).
    # None: generated once and kept in the instance folder.
    MASTER_KEY: str | None = None
    PUBLIC_BASE_URL: str = "http://127.0.0.1:5000"
    REDIS_URL: str | None = None
    STORAGE_DIR: str | None = None  # None: <instance>/storage
    PDF_FONT_PATH: str | None = None  # None: the packaged WenQuanYi Micro Hei
    MAX_CONTENT_LENGTH: int = 60 * 1024 * 1024  # hard cap; each upload has its own smaller limit
    SESSION_COOKIE_HTTPONLY: bool = True
    SESSION_COOKIE_SAMESITE: str = "Lax"
    SESSION_COOKIE_SECURE: bool = False
    PERMANENT_SESSION_LIFETIME: int = 12 * 3600
    WTF_CSRF_TIME_LIMIT: int | None = 8 * 3600
    LANGUAGES: tuple[str, ...] = ("en", "zh_Hans")
    # The public verification pages and API speak these too (verdicts and field names).
    VERIFICATION_LANGUAGES: tuple[str, ...] = ("en", "zh_Hans", "ru", "es", "fr", "ar")
    BABEL_DEFAULT_LOCALE: str = "en"
    BABEL_DEFAULT_TIMEZONE: str = "UTC"
    LOGIN_FREE_ATTEMPTS: int = 5  # failures before an account's sign-in is slowed down
    LOGIN_MAX_DELAY_SECONDS: int = 15 * 60
    INVITATION_VALID_HOURS: int = 72
    TOTP_ISSUER: str = "Portal"  # the name authenticator apps show beside the code
    RATELIMIT_ENABLED: bool = True
    # Per client address. Typing number and code is limited hardest: it is a guess at a code.
    RATELIMIT_VERIFY: str = "60 per minute; 1000 per day"
    RATELIMIT_VERIFY_CODE: str = "10 per minute; 100 per day"
    RATELIMIT_VERIFY_PDF: str = "10 per minute; 200 per day"
    RATELIMIT_API: str = "120 per minute"
    # A letter verified this often within this many days is flagged to its manufacturer.
    VERIFICATION_FLAG_COUNT: int = 20
    VERIFICATION_FLAG_DAYS: int = 7
    # /readyz reports the storage disk as down below this much free space.
    READY_MIN_FREE_BYTES: int = 200 * 1024 * 1024
    JOB_RUNNER: str = "thread"  # "thread": batches run in the web process; "external": run-jobs
    ISSUE_WORKERS: int | None = None  # processes sealing letters in a batch; None: every core


def load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fills app.config from defaults, instance/config.py, PORTAL_* variables and test_config."""
    app.config.from_object(DefaultConfig)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        # Values are parsed as JSON when they can be ("5" -> 5, "true" -> True).
        app.config.from_prefixed_env("PORTAL")
    else:
        app.config.update(test_config)
    instance = Path(app.instance_path)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'portal.sqlite3'}"
    if not app.config["STORAGE_DIR"]:
        app.config["STORAGE_DIR"] = str(instance / "storage")
    for key in ("SECRET_KEY", "MASTER_KEY"):
        if not app.config[key]:
            app.config[key] = _instance_secret(instance, key.lower())


def _instance_secret(instance: Path, name: str) -> str:
    """Returns the secret kept in the instance folder, creating it on first use."""
    path = instance / name
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    value = new_master_key_text() if name == "master_key" else secrets.token_urlsafe(32)
    # O_EXCL: two workers starting at once must not write two different secrets.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value
