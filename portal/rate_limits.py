"""Rate limits: who a client is (its address through the trusted proxies only, or its API
key), what is counted (number-and-code misses, alike on the form and the API), and what
happens when the shared counters in Redis cannot be reached (per-process counters, logged
once a minute, and the Portal goes on).

Every limit is decided from the address and the headers alone, before any database work, so
a refused request costs a small fraction of a verification.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, current_app, g
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix

log = logging.getLogger("portal.rate_limits")
API_KEY_HEADER = "X-API-Key"
# The scope shared by the form and the API: a miss is a miss wherever it was typed.
CODE_MISSES_SCOPE = "code-misses"
_DOWN_LOG_INTERVAL = 60.0


def client_identity() -> str:
    """Returns whom a request is counted against: its API key, else its address."""
    api_client = g.get("api_client")
    if api_client is not None:
        return f"key:{api_client.id}"
    return get_remote_address() or "unknown"


limiter = Limiter(
    key_func=client_identity,
    default_limits=[],
    headers_enabled=True,
    # Without Redis, or while it is away, counters live in each process's memory.
    in_memory_fallback_enabled=True,
    # A counter that fails between the check and the answer must not turn it into a 500.
    swallow_errors=True,
)


def configured(name: str) -> Callable[[], str]:
    """Returns a limit provider reading the limit from configuration at request time."""
    return lambda: current_app.config[name]


def keyed(name: str, key_attribute: str) -> Callable[[], str]:
    """Returns a limit provider: the API key's own quota when the request carries one,
    else the configured limit."""

    def limit() -> str:
        api_client = g.get("api_client")
        if api_client is not None:
            return str(getattr(api_client, key_attribute))
        return str(current_app.config[name])

    return limit


def mark_miss() -> None:
    """Counts this request as a miss of number and code (deducted after the answer)."""
    g.code_miss = True


def was_miss(_response: Any) -> bool:
    return bool(g.get("code_miss"))


def code_misses_limit() -> Any:
    """Returns the decorator limiting number-and-code misses, one counter for form and API."""
    return limiter.shared_limit(
        keyed("RATELIMIT_CODE_MISSES", "misses_limit"),
        scope=CODE_MISSES_SCOPE,
        deduct_when=was_miss,
    )


class TrustedProxies:
    """WSGI middleware: reads X-Forwarded-For and X-Forwarded-Proto (Werkzeug's ProxyFix)
    only for requests whose peer is one of the configured proxies; anyone else's headers
    are ignored, so a client cannot choose its own address."""

    def __init__(self, app: Any, networks: Iterable[str], hops: int) -> None:
        self.plain = app
        self.fixed = ProxyFix(app, x_for=hops, x_proto=hops)
        self.networks = [ipaddress.ip_network(n.strip(), strict=False) for n in networks]

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        if self._trusted(environ.get("REMOTE_ADDR", "")):
            return self.fixed(environ, start_response)
        return self.plain(environ, start_response)

    def _trusted(self, address: str) -> bool:
        try:
            peer = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(peer in network for network in self.networks)


def trusted_proxy_networks(value: object) -> list[str]:
    """Returns the configured proxies as a list: a list, or text separated by commas or
    spaces."""
    if not value:
        return []
    if isinstance(value, str):
        return [part for part in value.replace(",", " ").split() if part]
    return [str(part) for part in value]  # type: ignore[union-attr]


class _StorageWatch:
    """Logs, at most once a minute, that the shared counters are unreachable."""

    def __init__(self) -> None:
        self.last_logged = 0.0

    def after_request(self, response: Any) -> Any:
        if getattr(limiter, "_storage_dead", False):
            now = time.monotonic()
            if now - self.last_logged >= _DOWN_LOG_INTERVAL:
                self.last_logged = now
                log.warning(
                    "rate-limit storage %s unreachable: counting per process until it returns",
                    current_app.config.get("RATELIMIT_STORAGE_URI"),
                )
        return response


def init_app(app: Flask, *, before_limits: Iterable[Callable[[], Any]] = ()) -> None:
    """Installs the trusted-proxy reading and the limiter, with its storage options; the
    ``before_limits`` hooks (telling who a request is) run just before the limits."""
    proxies = trusted_proxy_networks(app.config.get("TRUSTED_PROXIES"))
    if proxies:
        hops = int(app.config.get("TRUSTED_PROXY_HOPS") or 1)
        app.wsgi_app = TrustedProxies(app.wsgi_app, proxies, hops)  # type: ignore[method-assign]
    # Counters live in memory per process unless Redis is configured (shared by workers).
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    if str(app.config["RATELIMIT_STORAGE_URI"]).startswith(("redis://", "rediss://")):
        # An unreachable Redis must cost a verification a fraction of a second, not hang it.
        options = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", options)
    for hook in before_limits:
        app.before_request(hook)
    limiter.init_app(app)
    app.after_request(_StorageWatch().after_request)
