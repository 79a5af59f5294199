"""Request ids and JSON logs: every request carries an id (taken from a well-formed
X-Request-ID, or made), answered in the same header and written on every log line."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request

HEADER = "X-Request-ID"
_WELL_FORMED = re.compile(r"^[A-Za-z0-9._\-]{8,64}$")


def request_id() -> str:
    """Returns the current request's id, or '-' outside a request."""
    if has_request_context():
        return g.get("request_id", "-")
    return "-"


class RequestIdFilter(logging.Filter):
    """Adds request_id to every record, so that a formatter can write it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id()
        return True


def _assign() -> None:
    given = request.headers.get(HEADER, "")
    g.request_id = given if _WELL_FORMED.match(given) else uuid.uuid4().hex


def _answer(response: Response) -> Response:
    if "request_id" in g:
        response.headers[HEADER] = g.request_id
    return response


def init_app(app: Flask) -> None:
    """Gives every request an id."""
    app.before_request(_assign)
    app.after_request(_answer)


JSON_FORMAT = "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"
# The access log names the path without its query string: nothing secret travels in one,
# but a log is no place to find out.
ACCESS_FORMAT = (
    '{"remote": "%(h)s", "method": "%(m)s", "path": "%(U)s", "status": "%(s)s", '
    '"bytes": "%(B)s", "ms": "%(M)s", "request_id": "%({x-request-id}o)s", '
    '"agent": "%(a)s"}'
)


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """Returns a logging.config dictionary writing JSON lines to standard error."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {
            "json": {"()": "pythonjsonlogger.json.JsonFormatter", "fmt": JSON_FORMAT},
            "access": {"format": "%(message)s"},
        },
        "handlers": {
            "json": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            },
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "access",
                "stream": "ext://sys.stdout",
            },
        },
        "root": {"level": level, "handlers": ["json"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["json"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
        },
    }
