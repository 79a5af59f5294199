"""The flask commands: init, create-org, create-user, seed-demo, run-demo."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from portal import cli, create_app
from portal.accounts.models import Organisation, User
from portal.accounts.roles import Role
from portal.accounts.uscc import with_check_character
from portal.letters.keys.authority import AUTHORITY_NAME
from portal.letters.keys.models import PortalAuthority
from portal.outlets.models import Outlet
from portal.requests.models import LetterRequest
from portal.signing import new_master_key_text
from portal.signing.certificates import certificate_pem, load_certificate_pem, sha256_fingerprint
from tests.conftest import fresh_database, make_test_config


@pytest.fixture
def empty_app(tmp_path) -> Iterator[tuple[Flask, sa.Engine]]:
    """Returns an app on a database with no tables yet, and an engine to look into it."""
    with fresh_database("cli", tmp_path, migrate=False) as url:
        app = create_app(make_test_config(url, tmp_path, MASTER_KEY=new_master_key_text()))
        engine = sa.create_engine(url)
        yield app, engine
        engine.dispose()
        app.extensions["portal_db"].engine.dispose()


def _count(engine: sa.Engine, model: type) -> int:
    with Session(engine) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_init_on_an_empty_database(empty_app):
    app, engine = empty_app
    app.config.update(AUTHORITY_ORGANISATION="Portal Operator Ltd", AUTHORITY_COUNTRY="SG")
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert "user_account" in sa.inspect(engine).get_table_names()
    with Session(engine) as session:
        authority = session.scalar(sa.select(PortalAuthority))
        certificate = load_certificate_pem(authority.certificate_pem)
    assert certificate.subject.rfc4514_string() == f"CN={AUTHORITY_NAME},O=Portal Operator Ltd,C=SG"
    # Idempotent, and the root stays the same even when the configured name changes later.
    app.config.update(AUTHORITY_ORGANISATION="Someone Else")
    again = app.test_cli_runner().invoke(args=["init"])
    assert again.exit_code == 0
    assert _count(engine, PortalAuthority) == 1


def test_root_certificate_prints_the_published_root_and_its_fingerprint(empty_app):
    app, _ = empty_app
    assert app.test_cli_runner().invoke(args=["init"]).exit_code == 0
    result = app.test_cli_runner().invoke(args=["root-certificate"])
    assert result.exit_code == 0, result.output
    root = load_certificate_pem(result.output[result.output.index("-----BEGIN") :].encode())
    assert f"SHA-256 fingerprint: {sha256_fingerprint(root)}" in result.output
    assert app.test_client().get("/.well-known/portal-ca.pem").data == certificate_pem(root)


def test_run_demo_sets_up_seeds_and_serves_on_localhost(empty_app, monkeypatch):
    app, engine = empty_app
    served = []
    monkeypatch.setattr(
        cli, "run_simple", lambda host, port, wsgi, **options: served.append((host, port, wsgi))
    )
    result = app.test_cli_runner().invoke(args=["run-demo"])
    assert result.exit_code == 0, result.output
    assert served == [("127.0.0.1", 5000, app)]
    assert "The Portal runs at http://127.0.0.1:5000/" in result.output
    assert _count(engine, PortalAuthority) == 1
    with Session(engine) as session:
        emails = set(session.scalars(sa.select(User.email)))
        roles = set(session.scalars(sa.select(User.role)))
        manufacturer = session.scalar(
            sa.select(Organisation).where(Organisation.short_code == "HXM")
        )
        assert manufacturer is not None and manufacturer.name_en == "Huaxia Motor Co., Ltd."
    assert "issuer@huaxia.test" in emails and roles == set(Role)
    assert _count(engine, Outlet) > 0 and _count(engine, LetterRequest) > 0
    printed = [line.split() for line in result.output.splitlines() if "@" in line]
    assert {row[1] for row in printed} == emails


def test_create_org_and_user(runner, session):
    uscc = with_check_character("91330100MA2B00003")
    result = runner.invoke(
        args=[
            "create-org",
            "--kind",
            "manufacturer",
            "--name-en",
            "Cli Motors",
            "--name-zh",
            "命令汽车",
            "--uscc",
            uscc,
            "--code",
            "CLI",
            "--brand",
            "Cli",
            "--wmi",
            "LC1",
        ]
    )
    assert result.exit_code == 0, result.output
    org = session.scalar(sa.select(Organisation).where(Organisation.short_code == "CLI"))
    assert org.name_zh == "命令汽车"
    result = runner.invoke(
        args=[
            "create-user",
            "--org",
            "CLI",
            "--email",
            "cli@example.test",
            "--name",
            "Cli",
            "--role",
            "manufacturer_issuer",
            "--password",
            "cli password 1",
        ]
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(sa.select(User).where(User.email == "cli@example.test"))
    assert user.role is Role.MANUFACTURER_ISSUER


def test_create_org_with_a_bad_code_fails_clearly_and_writes_nothing(runner, session):
    result = runner.invoke(
        args=["create-org", "--kind", "exporter", "--name-en", "Bad Co", "--uscc", "123"]
    )
    assert result.exit_code != 0
    assert "has 18 characters" in result.output
    assert session.scalar(sa.select(Organisation).where(Organisation.name_en == "Bad Co")) is None


def test_create_user_for_an_unknown_organisation(runner):
    result = runner.invoke(
        args=[
            "create-user",
            "--org",
            "NOPE",
            "--email",
            "a@example.test",
            "--name",
            "A",
            "--role",
            "exporter_user",
            "--password",
            "x" * 12,
        ]
    )
    assert result.exit_code != 0
    assert "No organisation" in result.output


def test_seed_demo_prints_working_credentials(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.output.splitlines() if "@" in line]
    assert {row[0] for row in rows} == {role.value for role in Role}
    client = app.test_client()
    _role, email, password = rows[1]
    assert client.post("/login", data={"email": email, "password": password}).status_code == 302
    # Seeding again keeps one account per role and gives new passwords.
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0
    assert password not in again.output


def test_the_readme_command_really_serves_the_demo(tmp_path):
    # The flask command itself, as the README runs it: it must serve, not just seed.
    port = _free_port()
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "PORTAL_STORAGE_DIR": str(tmp_path / "storage"),
        "PORTAL_SECRET_KEY": "readme-test",
        "PORTAL_MASTER_KEY": new_master_key_text(),
    }
    flask = Path(sys.executable).with_name("flask")
    server = subprocess.Popen(
        [str(flask), "--app", "portal", "run-demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        page = _wait_for(f"http://127.0.0.1:{port}/login", server)
        assert "Sign in" in page
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "issuer@huaxia.test" in output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, server: subprocess.Popen) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"run-demo stopped: {server.communicate()[0]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
                return response.read().decode()
        except OSError:
            time.sleep(0.5)
    raise AssertionError("run-demo did not serve within two minutes")
