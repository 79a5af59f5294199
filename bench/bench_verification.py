"""Measures verification: the service alone, each public way in through the app (test
client: routing, checks, page or JSON, scan log, commit), the SQL statements each costs,
the page's weight, and served throughput under gunicorn with wrk.

    PYTHONPATH=. python bench/bench_verification.py [--letters 30] [--runs 300] [--url URL]
    PYTHONPATH=. python bench/bench_verification.py --serve [--seconds 10]   # needs wrk

SQLite and stored PDFs in a temporary folder by default; `--url` for PostgreSQL (a schema of
its own, e.g. `...?options=-csearch_path%3Dbench`). Rate limits are off: they would answer
429 long before the machine is busy. Prints Markdown rows for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

from portal import create_app, migrations
from portal.accounts.roles import OrgKind, Role
from portal.db import utcnow
from portal.letters.keys.authority import ensure_authority
from portal.letters.lifecycle.context import issuance_context
from portal.letters.lifecycle.issuance import issue_letter
from portal.signing import parse_master_key
from portal.storage import FileStorage
from portal.verification.pdf_check import check_pdf
from portal.verification.service import verify_token_text
from tests.factories import Factories

CONFIG = {
    "SECRET_KEY": "bench",
    "MASTER_KEY": "s6hN0m6kJ3bS0C5wM1yvBzGz1q6t3y0yN9M0b3n8H1c=",
    "RATELIMIT_ENABLED": False,
    "WTF_CSRF_ENABLED": False,
    "JOB_RUNNER": "external",
    "PUBLIC_BASE_URL": "https://portal.example.cn",
}


def _app(folder: Path, url: str | None):
    url = url or f"sqlite:///{folder / 'bench.sqlite3'}"
    migrations.upgrade(url)
    return create_app({**CONFIG, "DATABASE_URL": url, "STORAGE_DIR": str(folder / "storage")})


def _letters(app, count: int) -> list[tuple[str, str, str, str]]:
    """Issues ``count`` letters (three outlets each); returns (token, number, code, pdf_key)."""
    session = app.extensions["portal_db"].session()
    make = Factories(session)
    manufacturer = make.organisation(OrgKind.MANUFACTURER)
    for _ in range(3):
        make.outlet(manufacturer, country="KZ")
    issuer = make.user(Role.MANUFACTURER_ISSUER, org=manufacturer)
    ensure_authority(session, parse_master_key(app.config["MASTER_KEY"]))
    made = []
    for _ in range(count):
        order = make.letter_order(manufacturer, country="KZ")
        letter = issue_letter(session, order, issuance_context(app, issuer))
        made.append((letter.token, letter.number, letter.short_code, letter.pdf_key))
    session.commit()
    session.close()
    return made


class StatementCounter:
    def __init__(self, engine: sa.Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: object) -> None:
        self.count += 1


def _median_ms(call, runs: int) -> float:
    for _ in range(min(20, runs)):  # warm-up: caches, compiled statements, fonts
        call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def in_process(app, letters, runs: int) -> list[tuple[str, float, float]]:
    """Returns (way in, median ms, SQL statements per call)."""
    engine = app.extensions["portal_db"].engine
    counter = StatementCounter(engine)
    client = app.test_client()
    store = FileStorage(app.config["STORAGE_DIR"])
    token, number, code, pdf_key = letters[len(letters) // 2]
    pdf = store.get(pdf_key)
    session = app.extensions["portal_db"].session()

    def service() -> None:
        assert verify_token_text(session, token, now=utcnow()).genuine
        session.rollback()

    def pdf_service() -> None:
        assert check_pdf(session, pdf, now=utcnow()).identical
        session.rollback()

    def page() -> None:
        assert b'data-verdict="valid"' in client.get(f"/V/{token}").data

    def typed() -> None:
        response = client.post("/verify/code", data={"number": number, "code": code})
        assert response.status_code == 303

    def api() -> None:
        assert client.post("/api/v1/verify", json={"token": token}).json["verdict"] == "valid"

    def upload() -> None:
        data = {"file": (io.BytesIO(pdf), "letter.pdf")}
        response = client.post("/verify/pdf", data=data, content_type="multipart/form-data")
        assert b"byte for byte" in response.data

    def keys() -> None:
        assert client.get("/.well-known/portal-keys.json").status_code == 200

    rows = []
    ways = (
        ("service: token -> verdict (no page, no log)", service, runs),
        ("QR page /V/<token> (page + scan log + commit)", page, runs),
        ("number + code (POST, redirect answer)", typed, runs),
        ("JSON API POST /api/v1/verify", api, runs),
        ("published key set", keys, runs),
        ("service: PDF check (SHA-256 + PAdES validation)", pdf_service, max(runs // 10, 10)),
        ("PDF upload page (86 KB letter)", upload, max(runs // 10, 10)),
    )
    for name, call, count in ways:
        call()
        counter.count = 0
        call()
        statements = counter.count
        rows.append((name, _median_ms(call, count), statements))
    session.close()
    return rows


def refusal(folder: Path, url: str | None, letters, runs: int) -> tuple[float, float, int]:
    """Returns the median ms of a QR check and of a refused one (429) by the same client
    address, in the same run, and the SQL statements the refusal costs. Made last: the
    limiter is one per process, and this turns it on."""
    url = url or f"sqlite:///{folder / 'bench.sqlite3'}"
    limited = create_app(
        {
            **CONFIG,
            "DATABASE_URL": url,
            "STORAGE_DIR": str(folder / "storage"),
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_VERIFY": "1000000 per hour",
        }
    )
    token = letters[0][0]
    client = limited.test_client()
    counter = StatementCounter(limited.extensions["portal_db"].engine)
    allowed = {"REMOTE_ADDR": "10.1.1.1"}
    refused = {"REMOTE_ADDR": "10.2.2.2"}

    def check() -> None:
        assert client.get(f"/V/{token}", environ_base=allowed).status_code == 200

    def limited_out() -> None:
        assert client.get(f"/V/{token}", environ_base=refused).status_code == 429

    with limited.app_context():
        check_ms = _median_ms(check, runs)
        limited.config["RATELIMIT_VERIFY"] = "1 per hour"
        client.get(f"/V/{token}", environ_base=refused)
        counter.count = 0
        refused_ms = _median_ms(limited_out, runs)
        statements = counter.count
    limited.extensions["portal_db"].engine.dispose()
    return check_ms, refused_ms, statements


def page_weight(app, letters) -> tuple[int, int]:
    client = app.test_client()
    html = client.get(f"/V/{letters[0][0]}").data
    assets = set(re.findall(rb'(?:src|href)="(/static/[^"]+)"', html))
    return len(html), len(html) + sum(len(client.get(a.decode()).data) for a in assets)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def served(folder: Path, url: str | None, letters, seconds: int) -> list[str]:
    """Runs gunicorn -w 2 on the bench database and wrk against the QR page and the API."""
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")
    port = _free_port()
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": url or f"sqlite:///{folder / 'bench.sqlite3'}",
        "PORTAL_STORAGE_DIR": str(folder / "storage"),
        "PORTAL_SECRET_KEY": "bench",
        "PORTAL_MASTER_KEY": CONFIG["MASTER_KEY"],
        "PORTAL_RATELIMIT_ENABLED": "false",
        "PORTAL_JOB_RUNNER": "external",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app", "--log-level", "warning"],
        env=env,
    )
    try:
        _wait(port)
        script = folder / "post.lua"
        script.write_text(
            'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
            f'wrk.body = \'{{"token": "{letters[0][0]}"}}\'\n'
        )
        targets = [
            ("QR page", f"http://127.0.0.1:{port}/V/{letters[0][0]}", []),
            ("JSON API", f"http://127.0.0.1:{port}/api/v1/verify", ["-s", str(script)]),
            ("health (database ping, no verification)", f"http://127.0.0.1:{port}/health", []),
        ]
        lines = []
        for name, target, extra in targets:
            # Warm-up: each worker loads catalogues, country names and templates on first use.
            subprocess.run(
                ["wrk", "-t", "2", "-c", "16", "-d", "2s", *extra, target],
                check=True,
                capture_output=True,
            )
            result = subprocess.run(
                ["wrk", "-t", "2", "-c", "16", "-d", f"{seconds}s", "--latency", *extra, target],
                capture_output=True,
                text=True,
                check=True,
            )
            lines.append(f"{name}: {_wrk_summary(result.stdout)}")
        return lines
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def _wait(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    sys.exit("gunicorn did not start")


def _wrk_summary(output: str) -> str:
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"50%\s+([\d.]+\w+)", output)
    p99 = re.search(r"99%\s+([\d.]+\w+)", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    found = [m.group(1) if m else "?" for m in (rate, p50, p99)]
    bad = f", {errors.group(1)} non-2xx" if errors else ""
    return f"{found[0]} req/s, p50 {found[1]}, p99 {found[2]}{bad}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=30)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--url", help="a PostgreSQL URL instead of SQLite in a temporary folder")
    parser.add_argument("--serve", action="store_true", help="gunicorn -w 2 + wrk instead")
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
        folder = Path(tmp)
        app = _app(folder, args.url)
        with app.app_context():
            letters = _letters(app, args.letters)
            if args.serve:
                for line in served(folder, args.url, letters, args.seconds):
                    print(line)
                return
            print("| way in | median | SQL statements |\n|---|---|---|")
            for name, ms, statements in in_process(app, letters, args.runs):
                print(f"| {name} | {ms:.2f} ms | {statements} |")
            html, total = page_weight(app, letters)
            print(f"\nQR page: {html / 1024:.1f} KB of HTML, {total / 1024:.1f} KB with its assets")
            check_ms, refused_ms, statements = refusal(folder, args.url, letters, args.runs)
            print(
                f"\nRefused QR check (429): {refused_ms:.2f} ms, {statements} SQL statements in "
                f"{args.runs + 20} refusals; the same check allowed: {check_ms:.2f} ms "
                f"(ratio {refused_ms / check_ms:.3f}); load average {os.getloadavg()[0]:.2f}"
            )
        app.extensions["portal_db"].engine.dispose()


if __name__ == "__main__":
    main()
