"""Keeps one-time secrets out of the logs: set-password links in access logs.

A set-password link carries its token in the path (`/set-password/<token>`). Whoever reads
the web server's access log must not be able to take over an account, so every access-log
line of gunicorn and of the development server has the token replaced, in the request line
and in the referrer alike.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

SECRET_PATHS = re.compile(r"(/set-password/)[^\s/?#\"']+")
REDACTED = r"\1[redacted]"
ACCESS_LOGGERS = ("gunicorn.access", "gunicorn.error", "werkzeug")


def redact(text: str) -> str:
    """Returns the text with every set-password token replaced."""
    return SECRET_PATHS.sub(REDACTED, text)


def _redacted(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


class SecretPathFilter(logging.Filter):
    """Rewrites a log record so that no set-password token survives formatting."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, Mapping):
            record.args = {key: _redacted(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_redacted(value) for value in record.args)
        return True


def install() -> None:
    """Adds the filter to the access loggers, once per process."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(known, SecretPathFilter) for known in logger.filters):
            logger.addFilter(SecretPathFilter())
