"""Signing in and out: credentials, the same text for unknown email and wrong password,
throttling per email, fresh sessions at sign-in, and logout ending every session."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from portal.accounts.models import LoginThrottle
from portal.accounts.roles import Role
from tests.factories import Factories

WRONG = "The email address or the password is not right."


def _login(client, email, password):
    return client.post("/login", data={"email": email, "password": password})


def test_sign_in_lands_on_the_home_page(client, make):
    user = make.user(Role.EXPORTER_USER)
    response = _login(client, user.email, Factories.PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert user.organisation.name_en in page
    assert "Exporter user" in page


def test_sign_in_follows_a_local_next_but_not_a_foreign_one(client, make):
    user = make.user(Role.MANUFACTURER_ADMIN)
    response = client.post(
        "/login?next=/users", data={"email": user.email, "password": Factories.PASSWORD}
    )
    assert response.headers["Location"] == "/login/code"  # the second factor comes first
    response = client.post("/login/code", data={"code": make.fresh_code(user)})
    assert response.headers["Location"] == "/users"
    client.post("/logout")
    response = client.post(
        "/login?next=https://evil.example/x",
        data={"email": user.email, "password": Factories.PASSWORD},
    )
    response = client.post("/login/code", data={"code": make.fresh_code(user)})
    assert response.headers["Location"] == "/"


def test_password_is_hashed_with_a_slow_scheme(make, session):
    from portal.accounts import service

    org = make.organisation()
    user = service.create_user(
        session,
        organisation=org,
        email="New.Person@Example.test",
        name="New",
        role=Role.MANUFACTURER_VIEWER,
        password="a long enough password",
    )
    assert user.email == "new.person@example.test"
    assert user.password_hash.startswith("scrypt:")
    assert "a long enough password" not in user.password_hash


def test_wrong_password_and_unknown_email_get_the_same_answer(client, make):
    user = make.user(Role.EXPORTER_USER)
    wrong = _login(client, user.email, "not the password").get_data(as_text=True)
    unknown = _login(client, "nobody@example.test", "whatever").get_data(as_text=True)
    assert WRONG in wrong
    assert WRONG in unknown
    assert client.get("/").status_code == 302  # still signed out


def test_deactivated_user_cannot_sign_in(client, make):
    user = make.user(Role.EXPORTER_USER, active=False)
    assert WRONG in _login(client, user.email, Factories.PASSWORD).get_data(as_text=True)


def test_repeated_failures_throttle_that_account_only(app, make, session):
    victim = make.user(Role.EXPORTER_USER)
    other = make.user(Role.EXPORTER_USER)
    attacker = app.test_client()
    for _ in range(app.config["LOGIN_FREE_ATTEMPTS"]):
        assert WRONG in _login(attacker, victim.email, "guess").get_data(as_text=True)
    # Even the right password is refused while the account is throttled...
    page = _login(attacker, victim.email, Factories.PASSWORD).get_data(as_text=True)
    assert "Too many failed sign-ins" in page
    # ...but another account signs in at once, from the same client.
    assert _login(attacker, other.email, Factories.PASSWORD).status_code == 302
    # Unknown addresses are throttled the same way, so throttling reveals nothing.
    for _ in range(app.config["LOGIN_FREE_ATTEMPTS"]):
        _login(app.test_client(), "ghost@example.test", "guess")
    ghost = _login(app.test_client(), "ghost@example.test", "guess").get_data(as_text=True)
    assert "Too many failed sign-ins" in ghost


def test_throttle_wears_off(app, make, session):
    user = make.user(Role.EXPORTER_USER)
    client = app.test_client()
    for _ in range(app.config["LOGIN_FREE_ATTEMPTS"]):
        _login(client, user.email, "guess")
    throttle = session.get(LoginThrottle, user.email)
    throttle.last_failure_at -= timedelta(minutes=20)
    session.flush()
    assert _login(client, user.email, Factories.PASSWORD).status_code == 302
    assert session.scalar(sa.select(LoginThrottle).where(LoginThrottle.email == user.email)) is None


def test_sign_in_starts_a_fresh_session(client, make):
    user = make.user(Role.EXPORTER_USER)
    with client.session_transaction() as before:
        before["planted"] = "by an attacker"
    _login(client, user.email, Factories.PASSWORD)
    with client.session_transaction() as after:
        assert "planted" not in after
        assert after["_user_id"] == f"{user.id}:{user.session_version}"


def test_logout_ends_every_session_of_the_user(app, make):
    user = make.user(Role.MANUFACTURER_ADMIN)
    laptop, phone = app.test_client(), app.test_client()
    for client in (laptop, phone):
        _login(client, user.email, Factories.PASSWORD)
        client.post("/login/code", data={"code": make.fresh_code(user)})
    assert phone.get("/users").status_code == 200
    assert laptop.post("/logout").status_code == 302
    assert phone.get("/users").status_code == 302  # back to the sign-in page
    assert laptop.get("/users").status_code == 302


def test_password_change_ends_other_sessions(app, make, session):
    user = make.user(Role.EXPORTER_ADMIN)
    user.password_hash = generate_password_hash("the old password")
    session.flush()
    laptop, phone = app.test_client(), app.test_client()
    _login(laptop, user.email, "the old password")
    _login(phone, user.email, "the old password")
    response = laptop.post(
        "/account/password",
        data={
            "current_password": "the old password",
            "password": "a brand new secret",
            "confirm": "a brand new secret",
        },
    )
    assert response.status_code == 302
    assert phone.get("/").status_code == 302
    assert WRONG in _login(phone, user.email, "the old password").get_data(as_text=True)
    assert _login(phone, user.email, "a brand new secret").status_code == 302


def test_password_change_checks_the_current_password_and_length(login_as):
    client = login_as(Role.EXPORTER_USER)
    page = client.post(
        "/account/password",
        data={
            "current_password": "wrong",
            "password": "another secret!",
            "confirm": "another secret!",
        },
    )
    assert "The current password is not right." in page.get_data(as_text=True)
    page = client.post(
        "/account/password",
        data={"current_password": Factories.PASSWORD, "password": "short", "confirm": "short"},
    )
    assert "at least 10 characters" in page.get_data(as_text=True)
    assert client.get("/").status_code == 200  # nothing changed, still signed in
