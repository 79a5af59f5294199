"""Fixtures: a migrated test database, an app whose every test runs in a rolled-back
transaction, clients signed in as any role, and factories."""

from __future__ import annotations

import contextvars
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy.engine import make_url

from portal import create_app, migrations
from portal.db import database
from tests.factories import Factories

PG_ENV = "PORTAL_TEST_DATABASE_URL"

# No per-example deadline: on a loaded 2-core machine it fails tests on timing alone, and
# speed belongs to the benchmarks under bench/.
settings.register_profile("portal", deadline=None)
settings.load_profile("portal")


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@contextmanager
def fresh_database(name: str, folder: Path, *, migrate: bool = True) -> Iterator[str]:
    """Yields the URL of a new, empty (or migrated) database of the kind under test: a SQLite
    file in folder, or a PostgreSQL schema of its own (per xdist worker), dropped afterwards."""
    base = os.environ.get(PG_ENV)
    if not base:
        url = f"sqlite:///{folder / (name + '.sqlite3')}"
        if migrate:
            migrations.upgrade(url)
        yield url
        return
    schema = f"portal_{name}_{re.sub(r'[^a-z0-9]', '', _worker().lower())}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    text = url.render_as_string(hide_password=False)
    if migrate:
        migrations.upgrade(text)
    try:
        yield text
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Returns the URL of a freshly migrated database for this test process."""
    with fresh_database("test", tmp_path_factory.mktemp("db")) as url:
        yield url


def make_test_config(database_url: str, tmp_path: Path, **overrides: object) -> dict:
    """Returns the configuration tests start from."""
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "MASTER_KEY": "s6hN0m6kJ3bS0C5wM1yvBzGz1q6t3y0yN9M0b3n8H1c=",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "STORAGE_DIR": str(tmp_path / "storage"),
        "SERVER_NAME": None,
        **overrides,
    }


@pytest.fixture
def app_config(database_url: str, tmp_path: Path) -> dict:
    return make_test_config(database_url, tmp_path)


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own application context (and `g`), as in
    production, although the test keeps an application context pushed around it."""

    def open(self, *args, **kwargs):
        # Buffered: a streamed body is read inside the request's own context, not later.
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(app_config: dict) -> Iterator[Flask]:
    """Returns an app whose sessions all join one transaction, rolled back after the test."""
    application = create_app(app_config)
    application.test_client_class = IsolatedClient
    db = application.extensions["portal_db"]
    connection = db.engine.connect()
    transaction = connection.begin()
    db.sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
    with application.app_context():
        yield application
    transaction.rollback()
    connection.close()
    db.engine.dispose()


@pytest.fixture
def session(app: Flask) -> Iterator[sa.orm.Session]:
    """Returns a session in the test's transaction, for arranging data and checking results."""
    s = database().session()
    yield s
    s.close()


@pytest.fixture
def make(session: sa.orm.Session) -> Factories:
    return Factories(session)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def login_as(app: Flask, make: Factories, session: sa.orm.Session):
    """Returns a function giving a test client signed in as a user (made for a role if needed)."""

    def sign_in(user_or_role, org=None) -> FlaskClient:
        user = user_or_role if hasattr(user_or_role, "email") else make.user(user_or_role, org=org)
        session.flush()
        new_client = app.test_client()
        response = new_client.post(
            "/login", data={"email": user.email, "password": Factories.PASSWORD}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        if response.location.startswith("/login/code"):
            response = new_client.post("/login/code", data={"code": make.fresh_code(user)})
            assert response.status_code == 302, response.get_data(as_text=True)[:500]
        new_client.user = user  # type: ignore[attr-defined]
        return new_client

    return sign_in
