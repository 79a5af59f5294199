"""A plain (non-editable) `pip install .` into a fresh virtual environment serves a styled,
bilingual login page with gunicorn: templates, static files and catalogues are in the wheel."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, **headers: str) -> tuple[int, str, str]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (loopback)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
        return response.status, response.headers.get("Content-Type", ""), response.read().decode()


def test_fresh_install_serves_a_styled_login_page(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = venv / "bin" / "pip"
    subprocess.run([str(pip), "install", "-q", str(ROOT)], check=True, cwd=tmp_path)
    env = {**os.environ, "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}"}
    env.pop("PORTAL_TEST_DATABASE_URL", None)
    flask = venv / "bin" / "flask"
    subprocess.run([str(flask), "--app", "portal", "init"], check=True, cwd=tmp_path, env=env)
    port = _free_port()
    server = subprocess.Popen(
        [
            str(venv / "bin" / "gunicorn"),
            "-w",
            "1",
            "-b",
            f"127.0.0.1:{port}",
            "portal:create_app()",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                _get(f"{base}/health")
                break
            except OSError:
                time.sleep(0.2)
        status, _type, page = _get(f"{base}/login")
        assert status == 200
        assert '<link rel="stylesheet" href="/static/portal.css">' in page
        status, content_type, css = _get(f"{base}/static/portal.css")
        assert status == 200
        assert content_type.startswith("text/css")
        assert ".topbar" in css
        _status, _type, chinese = _get(f"{base}/login", **{"Accept-Language": "zh-CN"})
        assert "登录" in chinese
    finally:
        server.terminate()
        server.wait(timeout=10)
    # Installed from the wheel, not from this checkout.
    site = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import portal; print(portal.__file__)"],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    ).stdout
    assert str(ROOT) not in site
