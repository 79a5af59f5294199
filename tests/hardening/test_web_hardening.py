"""Passwords, set-password links, headers, CSV cells and logs: each failure of the attack
run reproduced and now refused."""

from __future__ import annotations

import logging
import re

import pytest
import sqlalchemy as sa

from portal.accounts import service
from portal.accounts.passwords import check_password_strength
from portal.accounts.roles import Role
from portal.db import Database
from portal.errors import ValidationError
from portal.log_redaction import SecretPathFilter, redact
from portal.spreadsheet_cells import csv_bytes

COMMON = ["password123", "1234567890", "aaaaaaaaaa", "qwertyuiop", "iloveyou12", "Password1!"]


def _link(page: str) -> str:
    return re.search(r"/set-password/[A-Za-z0-9_\-]+", page).group(0)


@pytest.mark.parametrize("password", COMMON)
def test_common_passwords_are_refused_everywhere(app, login_as, make, session, password):
    user = make.user(Role.EXPORTER_USER)
    token = service.new_password_link(session, user, valid_hours=1)
    guest = app.test_client()
    page = guest.post(f"/set-password/{token}", data={"password": password, "confirm": password})
    assert "too easy to guess" in page.get_data(as_text=True)
    client = login_as(user)
    answer = client.post(
        "/account/password",
        data={"current_password": "factory-password", "password": password, "confirm": password},
    )
    assert "too easy to guess" in answer.get_data(as_text=True)


def test_a_password_made_of_the_users_own_name_or_address_is_refused(make):
    user = make.user(Role.EXPORTER_USER, name="Zhang Wei", email="zhang.wei@firm.test")
    for password in ("zhang.wei@firm.test", "zhangwei2026", "ZhangWeiZhangWei"):
        with pytest.raises(ValidationError):
            check_password_strength(password, email=user.email, name=user.name)
    check_password_strength("violet kettle under marble", email=user.email)


def test_a_new_set_password_link_voids_the_older_ones(login_as, make, app):
    admin = login_as(Role.EXPORTER_ADMIN)
    user = make.user(Role.EXPORTER_USER, org=admin.user.organisation, password_hash=None)
    first = _link(admin.post(f"/users/{user.id}/link").get_data(as_text=True))
    second = _link(admin.post(f"/users/{user.id}/link").get_data(as_text=True))
    guest = app.test_client()
    assert guest.get(first).status_code == 404
    new = "violet kettle under marble"
    assert guest.post(first, data={"password": new, "confirm": new}).status_code == 404
    assert guest.get(second).status_code == 200
    assert guest.post(second, data={"password": new, "confirm": new}).status_code == 302
    assert guest.get(second).status_code == 404  # used once


def test_the_set_password_page_sends_no_referrer(login_as, make, app):
    admin = login_as(Role.EXPORTER_ADMIN)
    user = make.user(Role.EXPORTER_USER, org=admin.user.organisation, password_hash=None)
    link = _link(admin.post(f"/users/{user.id}/link").get_data(as_text=True))
    assert app.test_client().get(link).headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize(
    ("config", "hsts"),
    [
        ({}, False),
        ({"SESSION_COOKIE_SECURE": True}, True),
        ({"PUBLIC_BASE_URL": "https://portal.example.cn"}, True),
    ],
)
def test_hsts_is_sent_when_served_over_https(app, client, config, hsts):
    app.config.update(config)
    for path in ("/login", "/verify", "/health"):
        headers = client.get(path).headers
        assert ("Strict-Transport-Security" in headers) is hsts
        if hsts:
            assert "max-age=31536000" in headers["Strict-Transport-Security"]


def test_a_request_arriving_over_https_gets_hsts(client):
    assert "Strict-Transport-Security" in client.get("/login", base_url="https://x").headers


def test_sensitive_files_are_no_store_and_the_key_set_stays_cacheable(login_as, client):
    manufacturer = login_as(Role.MANUFACTURER_ADMIN)
    export = manufacturer.get("/outlets/export.csv")
    assert export.status_code == 200, export.status_code
    assert export.headers["Cache-Control"] == "no-store"
    keys = client.get("/.well-known/portal-keys.json")
    assert keys.headers["Cache-Control"].startswith("public")


def test_every_cell_of_a_portal_csv_is_neutralised():
    data = csv_bytes(["=a", "b"], [["=1+1", "+x"], ["-2", "@SUM(A1)"], ["\tx", "plain"]])
    text = data.decode("utf-8-sig")
    assert text.splitlines() == ["'=a,b", "'=1+1,'+x", "-2,'@SUM(A1)", "'\tx,plain"]


def test_set_password_tokens_are_kept_out_of_access_logs():
    line = (
        '127.0.0.1 - - "GET /set-password/AbC_-123xyz HTTP/1.1" 200 "'
        'http://portal/set-password/AbC_-123xyz?x=1"'
    )
    assert "AbC_-123xyz" not in redact(line)
    record = logging.LogRecord(
        "gunicorn.access",
        logging.INFO,
        "",
        0,
        "%(r)s %(f)s",
        None,
        None,
    )
    record.args = {"r": "GET /set-password/secret-token HTTP/1.1", "f": "/set-password/s2"}
    SecretPathFilter().filter(record)
    assert "secret-token" not in record.getMessage() and "s2" not in record.getMessage()


def test_sql_parameters_never_reach_error_messages(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with database.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (token TEXT UNIQUE)")
        connection.execute(sa.text("INSERT INTO t VALUES (:v)"), {"v": "secret-token-4711"})
    with pytest.raises(sa.exc.IntegrityError) as caught, database.engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO t VALUES (:v)"), {"v": "secret-token-4711"})
    assert "secret-token-4711" not in str(caught.value)
    assert "hidden due to hide_parameters" in str(caught.value)


def test_the_portal_engine_hides_parameters(app):
    assert app.extensions["portal_db"].engine.hide_parameters is True
