"""Two-factor sign-in: enrolment with a QR code, the code step, no code accepted twice,
recovery codes used once, the role policy, and an admin's reset."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa

from portal.accounts import totp
from portal.accounts.models import RecoveryCode, User
from portal.accounts.roles import Role
from tests.factories import Factories

MOMENT = datetime(2026, 12, 2, 10, 0, 0, tzinfo=UTC)


def _password_step(client, user):
    return client.post("/login", data={"email": user.email, "password": Factories.PASSWORD})


def _enrol(client) -> tuple[str, list[str]]:
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert 'src="data:image/svg+xml;base64,' in page  # the QR code, inline
    secret = re.search(r'value="([A-Z2-7]{32})"', page).group(1)
    done = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<li>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</li>", done.get_data(True))
    return secret, codes


def test_a_code_is_accepted_within_one_step_of_drift_and_only_after_the_last():
    secret = totp.new_secret()
    step = totp.step_of(MOMENT)
    code = pyotp.TOTP(secret).at(MOMENT)
    assert totp.matching_step(secret, code, MOMENT, None) == step
    assert totp.matching_step(secret, code, MOMENT + timedelta(seconds=30), None) == step
    assert totp.matching_step(secret, code, MOMENT + timedelta(seconds=90), None) is None
    assert totp.matching_step(secret, code, MOMENT, step) is None  # used already
    assert totp.matching_step(secret, "12345", MOMENT, None) is None
    assert totp.matching_step(secret, "abcdef", MOMENT, None) is None


def test_recovery_codes_are_ten_distinct_and_stored_as_digests():
    codes = totp.new_recovery_codes()
    assert len(set(codes)) == 10
    assert all(totp.looks_like_recovery_code(code) for code in codes)
    assert totp.recovery_digest(codes[0].upper()) == totp.recovery_digest(codes[0])


def test_a_required_role_is_sent_to_enrol_and_enrols_with_the_qr_code(app, make, session):
    issuer = make.user(Role.MANUFACTURER_ISSUER, totp_secret=None, two_factor_since=None)
    client = app.test_client()
    assert _password_step(client, issuer).location == "/"  # no second factor yet
    answer = client.get("/letters")
    assert answer.status_code == 302 and answer.location == "/account/two-factor"
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'value="([A-Z2-7]{32})"', page).group(1)
    wrong = client.post("/account/two-factor", data={"code": "000000"})
    assert "This code does not match" in wrong.get_data(as_text=True)
    assert session.scalar(sa.select(User.totp_secret).where(User.id == issuer.id)) is None
    done = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<li>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</li>", done.get_data(True))
    assert len(codes) == 10
    assert session.scalar(sa.select(User.totp_secret).where(User.id == issuer.id)) == secret
    stored = set(session.scalars(sa.select(RecoveryCode.code_hash)))
    assert not stored & set(codes)  # only digests are kept
    assert {totp.recovery_digest(code) for code in codes} <= stored
    assert client.get("/letters").status_code == 200


def test_the_password_alone_opens_nothing_and_a_code_is_never_accepted_twice(app, make):
    admin = make.user(Role.MANUFACTURER_ADMIN)
    client = app.test_client()
    assert _password_step(client, admin).location == "/login/code"
    assert client.get("/users").status_code == 302  # still signed out
    code = make.fresh_code(admin)
    assert client.post("/login/code", data={"code": code}).location == "/"
    assert client.get("/users").status_code == 200
    # The same code again, on another device within its 30 seconds: refused.
    thief = app.test_client()
    _password_step(thief, admin)
    refused = thief.post("/login/code", data={"code": code})
    assert refused.status_code == 200
    assert "used already" in refused.get_data(as_text=True)
    assert thief.get("/users").status_code == 302


def test_a_recovery_code_works_once(app, make, session):
    user = make.user(Role.EXPORTER_USER)  # optional for this role: enrols by choice
    client = app.test_client()
    _password_step(client, user)
    _secret, codes = _enrol(client)
    client.post("/logout")
    for attempt in range(2):
        device = app.test_client()
        assert _password_step(device, user).location == "/login/code"
        answer = device.post("/login/code", data={"code": codes[3].upper()})
        if attempt == 0:
            assert answer.location == "/"
            assert "9 are left" in device.get("/").get_data(as_text=True)
        else:
            assert answer.status_code == 200 and device.get("/").status_code == 302
    used = session.scalar(
        sa.select(sa.func.count()).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_not(None)
        )
    )
    assert used == 1


def test_the_role_policy(app, make, login_as):
    exporter = login_as(Role.EXPORTER_USER)
    assert exporter.get("/requests").status_code == 200  # optional: nothing enforced
    assert "Optional for your role" in exporter.get("/account/two-factor").get_data(True)
    for role in (Role.PLATFORM_ADMIN, Role.MANUFACTURER_ADMIN, Role.MANUFACTURER_ISSUER):
        client = app.test_client()
        user = make.user(role, totp_secret=None, two_factor_since=None)
        _password_step(client, user)
        assert client.get("/").location == "/account/two-factor", role
    issuer = login_as(Role.MANUFACTURER_ISSUER)
    issuer.post("/account/two-factor/remove")
    assert issuer.user.totp_secret is not None  # cannot turn off a required second factor


def test_an_optional_second_factor_can_be_turned_off(app, make, session):
    user = make.user(Role.EXPORTER_ADMIN)
    client = app.test_client()
    _password_step(client, user)
    _enrol(client)
    client.post("/account/two-factor/remove")
    assert session.scalar(sa.select(User.totp_secret).where(User.id == user.id)) is None
    assert session.scalar(sa.select(sa.func.count()).where(RecoveryCode.user_id == user.id)) == 0


def test_an_admin_resets_a_users_second_factor(app, make, login_as, session):
    admin = login_as(Role.MANUFACTURER_ADMIN)
    issuer_user = make.user(Role.MANUFACTURER_ISSUER, org=admin.user.organisation)
    issuer = login_as(issuer_user)
    page = admin.get("/users").get_data(as_text=True)
    assert f"/users/{issuer_user.id}/two-factor/reset" in page
    assert admin.post(f"/users/{issuer_user.id}/two-factor/reset").status_code == 302
    assert session.scalar(sa.select(User.totp_secret).where(User.id == issuer_user.id)) is None
    assert issuer.get("/letters").status_code == 302  # their sessions ended
    again = app.test_client()
    assert _password_step(again, issuer_user).location == "/"
    assert again.get("/letters").location == "/account/two-factor"  # must enrol anew
    # An admin of another organisation cannot reach this user.
    stranger = login_as(Role.MANUFACTURER_ADMIN)
    assert stranger.post(f"/users/{issuer_user.id}/two-factor/reset").status_code == 404


@pytest.mark.parametrize("wrong", ["000000", "aaaa-bbbb-cccc"])
def test_wrong_codes_are_throttled(app, make, wrong):
    admin = make.user(Role.MANUFACTURER_ADMIN)
    client = app.test_client()
    _password_step(client, admin)
    for _ in range(app.config["LOGIN_FREE_ATTEMPTS"]):
        assert "not right" in client.post("/login/code", data={"code": wrong}).get_data(True)
    right = client.post("/login/code", data={"code": make.fresh_code(admin)})
    assert "Too many failed sign-ins" in right.get_data(as_text=True)
    assert client.get("/users").status_code == 302


def test_the_platform_admin_resets_an_organisation_admins_second_factor(login_as, make, session):
    operator = login_as(Role.PLATFORM_ADMIN)
    admin = make.user(Role.MANUFACTURER_ADMIN)
    page = operator.get(f"/organisations/{admin.organisation_id}").get_data(as_text=True)
    assert f"/users/{admin.id}/two-factor/reset" in page
    assert operator.post(f"/users/{admin.id}/two-factor/reset").status_code == 302
    assert session.scalar(sa.select(User.totp_secret).where(User.id == admin.id)) is None
