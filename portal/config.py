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
    # The address letters carry in their QR codes, reachable for as long as letters are
    # checked (years). None: nothing is issued, except in debug and test runs.
    PUBLIC_BASE_URL: str | None = None
    # The operator named in the Portal's root certificate (read once, when the root is made).
    AUTHORITY_ORGANISATION: str = "After-Sales Service Confirmation Portal"
    AUTHORITY_COUNTRY: str = "CN"  # ISO 3166-1 alpha-2
    # An RFC 3161 timestamping service for the letters' PDF signatures (PAdES B-T), and a PEM
    # file of the roots its certificate chains to (embedded beside the letter's chain).
    TSA_URL: str | None = None
    TSA_CA_FILE: str | None = None
    TSA_TIMEOUT_SECONDS: float = 10.0
    REDIS_URL: str | None = None
    # Where letter PDFs and scans are kept: "folder" (STORAGE_DIR, one machine) or
    # "database" (the stored_file table: every instance of the Portal reads the same files).
    STORAGE: str = "folder"
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
    VERIFICATION_LANGUAGES: tuple[str, ...] = ("en", "zh_Hans", "ru", "es", "fr", "ar", "kk", "uz")
    BABEL_DEFAULT_LOCALE: str = "en"
    BABEL_DEFAULT_TIMEZONE: str = "UTC"
    LOGIN_FREE_ATTEMPTS: int = 5  # failures before an account's sign-in is slowed down
    LOGIN_MAX_DELAY_SECONDS: int = 15 * 60
    INVITATION_VALID_HOURS: int = 72
    RATELIMIT_ENABLED: bool = True
    # Per client address (or API key), sized for an office of officers behind one address:
    # checks are cheap to allow; what is limited hard is a number with a code that match
    # nothing (a guess at a code), alike on the form and the API, in tiers that make the wait
    # grow (a minute, then ten, then an hour) instead of locking an office out for a day.
    RATELIMIT_VERIFY: str = "300 per minute"
    RATELIMIT_VERIFY_CODE: str = "300 per minute"
    RATELIMIT_CODE_MISSES: str = "20 per minute; 60 per 10 minutes; 200 per hour"
    RATELIMIT_VERIFY_PDF: str = "30 per minute; 300 per hour"
    RATELIMIT_API: str = "300 per minute"
    RATELIMIT_BAD_API_KEYS: str = "10 per minute; 50 per hour"
    # API keys' quotas unless the platform administrator sets others.
    API_KEY_CHECKS_PER_MINUTE: int = 3000
    API_KEY_MISSES_PER_HOUR: int = 600
    # Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed: addresses or
    # networks, e.g. "127.0.0.1" for nginx on the same machine, "10.0.0.0/8" for a cloud load
    # balancer; HOPS is how many proxies stand in front (nginx behind a load balancer: 2).
    TRUSTED_PROXIES: str | list[str] = ""
    TRUSTED_PROXY_HOPS: int = 1
    # A letter verified this often within this many days is flagged to its manufacturer.
    VERIFICATION_FLAG_COUNT: int = 20
    VERIFICATION_FLAG_DAYS: int = 7
    # Batches go over a Dramatiq queue: on QUEUE_URL (default: REDIS_URL) to worker processes
    # (`flask --app portal run-worker`), or, with neither set, in memory to threads of the web
    # process. "thread": this process also works on batches; "external": only workers do.
    JOB_RUNNER: str = "thread"
    QUEUE_URL: str | None = None
    QUEUE_NAMESPACE: str = "portal"
    QUEUE_CHUNK_SIZE: int = 10  # letters a message; a dead worker's chunk is sealed again
    QUEUE_THREADS: int = 1  # threads of the web process's own worker (embedded queue)
    QUEUE_HEARTBEAT_SECONDS: int = 30  # a worker silent this long is dead: its chunk goes back
    QUEUE_STALE_SECONDS: int = 300  # a job nobody moved this long has its chunks sent again
    # Email for notices (letters ready, requests rejected, letters revoked); None: no email.
    SMTP_HOST: str | None = None
    SMTP_PORT: int = 25
    SMTP_FROM: str = "portal@localhost"
    SMTP_USERNAME: str | None = None
    SMTP_PASSWORD: str | None = None
    SMTP_STARTTLS: bool = False
    SMTP_SSL: bool = False
    SMTP_TIMEOUT: float = 10.0


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
    if app.config["STORAGE"] not in ("folder", "database"):
        raise ValueError(
            f"PORTAL_STORAGE must be 'folder' or 'database', not {app.config['STORAGE']!r}"
        )
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
