"""The flask commands: init, create-org, create-user, seed-demo."""

from __future__ import annotations

import sqlalchemy as sa

from portal.accounts.models import Organisation, User
from portal.accounts.roles import Role
from portal.accounts.uscc import with_check_character


def test_init_on_an_empty_database(tmp_path):
    from portal import create_app

    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    from portal.signing import new_master_key_text

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "k", "MASTER_KEY": new_master_key_text()})
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    engine = sa.create_engine(url)
    assert "user_account" in sa.inspect(engine).get_table_names()
    again = app.test_cli_runner().invoke(args=["init"])  # idempotent
    assert again.exit_code == 0
    engine.dispose()


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
