"""A real gunicorn serving the Portal, and a loopback TCP proxy in front of PostgreSQL that a
test stops (the database becomes unreachable) and starts again."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pyotp
import requests
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def portal_env(config: dict, **extra: object) -> dict[str, str]:
    """Returns the environment giving a gunicorn the test configuration as PORTAL_* values."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    names = ("DATABASE_URL", "SECRET_KEY", "MASTER_KEY", "STORAGE_DIR")
    for name in names:
        env[f"PORTAL_{name}"] = str(config[name])
    env["PORTAL_WTF_CSRF_ENABLED"] = "false"
    # The address letters' QR codes carry: without it nothing is issued.
    env["PORTAL_PUBLIC_BASE_URL"] = "https://portal.example.cn"
    env["PORTAL_RATELIMIT_ENABLED"] = "false"
    for name, value in extra.items():
        env[f"PORTAL_{name}"] = value if isinstance(value, str) else _json(value)
    return env


def _json(value: object) -> str:
    import json

    return json.dumps(value)


@contextmanager
def gunicorn(
    env: dict[str, str], folder: Path, *, workers: int = 2, threads: int = 4
) -> Iterator[str]:
    """Yields the base URL of a gunicorn running the Portal; its logs go to folder."""
    port = free_port()
    command = [
        str(GUNICORN),
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--timeout",
        "120",
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        str(folder / "access.log"),
        "--error-logfile",
        str(folder / "error.log"),
        "portal:create_app()",
    ]
    server = subprocess.Popen(command, cwd=folder, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                requests.get(f"{base}/health", timeout=30)
                break
            except requests.RequestException:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((folder / "error.log").read_text()) from None
                time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


class TcpProxy:
    """Forwards a loopback port to PostgreSQL; stop() drops the listener and every open
    connection at once, as a dead database host or a cut network would."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def through_proxy(url: str, proxy: TcpProxy) -> str:
    """Returns the database URL with its host and port replaced by the proxy's."""
    return make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(False)


def sign_in(base: str, email: str, password: str, totp_secret: str | None = None):
    """Returns a requests session signed in through the login form (and its code step)."""
    http = requests.Session()
    answer = http.post(f"{base}/login", data={"email": email, "password": password}, timeout=60)
    if "/login/code" in answer.url and totp_secret:
        code = pyotp.TOTP(totp_secret).now()
        answer = http.post(f"{base}/login/code", data={"code": code}, timeout=60)
    assert "/login" not in answer.url, answer.text[:400]
    return http
