"""Prometheus metrics: counters move when the database commits what they count, /metrics is
for loopback or a token only, and under gunicorn it adds up every worker."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from portal.db import database
from portal.metrics import CHECKS
from portal.verification.models import Channel, VerificationScan

ROOT = Path(__file__).resolve().parent.parent


def _checks(channel: str, verdict: str) -> float:
    return CHECKS.labels(channel, verdict)._value.get()


def test_a_check_counts_when_committed_and_not_when_rolled_back(app):
    before = _checks("api", "revoked")
    session = database().session()
    session.add(VerificationScan(channel=Channel.API, verdict="revoked", reason="x"))
    session.flush()
    session.rollback()
    assert _checks("api", "revoked") == before
    session.add(VerificationScan(channel=Channel.API, verdict="revoked", reason="x"))
    session.commit()
    assert _checks("api", "revoked") == before + 1
    session.close()


def test_metrics_page_for_loopback_only(client):
    page = client.get("/metrics")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "portal_letters_issued_total" in text
    assert "portal_batch_queue_depth 0.0" in text
    outside = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert outside.status_code == 404


def test_metrics_token_is_required_when_set(app, client):
    app.config["METRICS_TOKEN"] = "s3cret-token"
    assert client.get("/metrics").status_code == 404
    headers = {"Authorization": "Bearer s3cret-token"}
    assert client.get("/metrics", headers=headers).status_code == 200


def test_every_response_carries_a_request_id(client):
    made = client.get("/health").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    given = client.get("/health", headers={"X-Request-ID": "abc-12345678"})
    assert given.headers["X-Request-ID"] == "abc-12345678"
    forged = client.get("/health", headers={"X-Request-ID": "<script>"})
    assert forged.headers["X-Request-ID"] != "<script>"


def _served(metrics: str) -> int:
    found = re.search(
        r'portal_request_seconds_count\{endpoint="site.health",method="GET"\} ([0-9.]+)', metrics
    )
    return int(float(found.group(1))) if found else 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (loopback)
        return response.read().decode()


@pytest.mark.slow
def test_gunicorn_workers_add_up_in_one_metrics_page_and_log_json(tmp_path):
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "PORTAL_STORAGE_DIR": str(tmp_path / "storage"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    env.pop("PORTAL_TEST_DATABASE_URL", None)
    bin_dir = Path(sys.executable).parent
    subprocess.run([str(bin_dir / "flask"), "--app", "portal", "init"], check=True, env=env)
    port = _free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [
            str(bin_dir / "gunicorn"),
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                _get(f"{base}/health")
                break
            except OSError:
                time.sleep(0.2)
        before = _served(_get(f"{base}/metrics"))
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(_get, [f"{base}/health"] * 40))
        after = _served(_get(f"{base}/metrics"))
        assert after - before == 40
        # Each worker keeps values of its own (one file per process, made as it boots).
        files = lambda: list((tmp_path / "metrics").glob("counter_*.db"))  # noqa: E731
        deadline = time.monotonic() + 120
        while len(files()) < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert len(files()) == 2
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    lines = (tmp_path / "gunicorn.log").read_text().splitlines()
    access = [line for line in lines if '"path": "/health"' in line]
    assert len(access) == after
    assert all(re.search(r'"request_id": "[0-9a-f]{32}"', line) for line in access)
