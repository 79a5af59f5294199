"""Races against a real gunicorn (threads and processes) on the database under test:
simultaneous wrong passwords are counted one by one, simultaneous issuances of one request
make one letter, and every answer is a clear one (never a 500)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pyotp
import pytest
import requests
import sqlalchemy as sa

from portal import create_app
from portal.accounts.models import LoginThrottle
from portal.accounts.roles import OrgKind, Role
from portal.config import DefaultConfig
from portal.letters.lifecycle.models import Letter
from portal.requests.states import RequestStatus
from tests.conftest import fresh_database, make_test_config
from tests.factories import Factories
from tests.hardening.live import gunicorn, portal_env, sign_in

pytestmark = pytest.mark.slow

ATTEMPTS = 20
NOT_RIGHT = "The email address or the password is not right."
THROTTLED = "Too many failed sign-ins for this email address."


def _at_once(count: int, call):
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda _i: call(), range(count)))


def test_simultaneous_wrong_passwords_check_no_more_than_the_limit(tmp_path):
    with fresh_database("throttle", tmp_path) as url:
        config = make_test_config(url, tmp_path)
        app = create_app(config)
        with app.app_context():
            session = app.extensions["portal_db"].session()
            email = Factories(session).user(Role.EXPORTER_USER).email
            session.commit()
            with gunicorn(portal_env(config), tmp_path, workers=2, threads=10) as base:
                answers = _at_once(
                    ATTEMPTS,
                    lambda: requests.post(
                        f"{base}/login",
                        data={"email": email, "password": "wrong password 123"},
                        timeout=120,
                    ),
                )
            failures = session.scalar(
                sa.select(LoginThrottle.failures).where(LoginThrottle.email == email)
            )
            session.close()
        app.extensions["portal_db"].engine.dispose()
    assert [a.status_code for a in answers] == [200] * ATTEMPTS
    checked = sum(NOT_RIGHT in a.text for a in answers)
    refused = sum(THROTTLED in a.text for a in answers)
    assert checked == DefaultConfig.LOGIN_FREE_ATTEMPTS
    assert refused == ATTEMPTS - checked
    assert failures == DefaultConfig.LOGIN_FREE_ATTEMPTS


def test_simultaneous_issuances_of_one_request_give_one_letter_and_clear_answers(tmp_path):
    with fresh_database("issue_race", tmp_path) as url:
        config = make_test_config(url, tmp_path)
        app = create_app(config)
        with app.app_context():
            session = app.extensions["portal_db"].session()
            make = Factories(session)
            manufacturer = make.organisation(OrgKind.MANUFACTURER)
            make.outlet(manufacturer, country="KZ")
            issuer = make.user(Role.MANUFACTURER_ISSUER, org=manufacturer)
            request = make.letter_request(
                manufacturer=manufacturer,
                exporter=make.organisation(OrgKind.EXPORTER),
                status=RequestStatus.APPROVED,
            )
            session.commit()
            with gunicorn(portal_env(config), tmp_path, workers=2, threads=10) as base:
                http = sign_in(base, issuer.email, Factories.PASSWORD, Factories.TOTP_SECRET)
                answers = _at_once(
                    ATTEMPTS,
                    lambda: http.post(
                        f"{base}/letters/from-request/{request.id}",
                        data={"confirm": "1"},
                        allow_redirects=False,
                        timeout=300,
                    ),
                )
                landing = {a.headers.get("Location") for a in answers}
                pages = [http.get(f"{base}{where}", timeout=60).text for where in landing]
            letters = list(
                session.scalars(sa.select(Letter).where(Letter.request_id == request.id))
            )
            session.close()
        app.extensions["portal_db"].engine.dispose()
    assert len(letters) == 1
    assert [a.status_code for a in answers] == [302] * ATTEMPTS, [a.text[:300] for a in answers]
    # Everyone lands on the one letter, or back on the request with a reason.
    assert landing <= {f"/letters/{letters[0].id}", f"/review/{request.id}"}
    assert all(letters[0].number in page or "issued" in page for page in pages)


def test_one_code_sent_from_many_devices_at_once_signs_in_once(tmp_path):
    with fresh_database("code_race", tmp_path) as url:
        config = make_test_config(url, tmp_path)
        app = create_app(config)
        with app.app_context():
            session = app.extensions["portal_db"].session()
            admin = Factories(session).user(Role.MANUFACTURER_ADMIN)
            session.commit()
            email = admin.email
            session.close()
        app.extensions["portal_db"].engine.dispose()
        with gunicorn(portal_env(config), tmp_path, workers=2, threads=5) as base:
            devices = []
            for _ in range(10):
                device = requests.Session()
                step = device.post(
                    f"{base}/login",
                    data={"email": email, "password": Factories.PASSWORD},
                    timeout=120,
                )
                assert step.url == f"{base}/login/code"
                devices.append(device)
            code = pyotp.TOTP(Factories.TOTP_SECRET).now()
            with ThreadPoolExecutor(max_workers=len(devices)) as pool:
                answers = list(
                    pool.map(
                        lambda device: device.post(
                            f"{base}/login/code",
                            data={"code": code},
                            allow_redirects=False,
                            timeout=120,
                        ),
                        devices,
                    )
                )
    assert sorted(a.status_code for a in answers) == [200] * 9 + [302]
    refused = [a.text for a in answers if a.status_code == 200]
    # Refused as used, or (past the free attempts) as too many failures: never a second entry.
    assert all("used already" in text or THROTTLED in text for text in refused)
    assert sum("used already" in text for text in refused) == DefaultConfig.LOGIN_FREE_ATTEMPTS
