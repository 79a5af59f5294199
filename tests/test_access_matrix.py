"""Every URL rule, requested as every role, anonymously and with another organisation's
objects: deny by default, role checks on every view, and 404 (never a leak) for foreign data."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.security import PUBLIC, access_of
from tests.access_world import ARGUMENTS, World
from tests.conftest import make_test_config

_app = create_app(make_test_config("sqlite://", __import__("pathlib").Path("/tmp")))
RULES = sorted(
    (rule.rule, rule.endpoint, method)
    for rule in _app.url_map.iter_rules()
    for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
)


def test_every_endpoint_declares_its_access():
    undeclared = [endpoint for _rule, endpoint, _m in RULES if access_of(_app, endpoint) is None]
    assert undeclared == []


def test_every_url_argument_has_a_provider():
    missing = {arg for rule in _app.url_map.iter_rules() for arg in rule.arguments} - set(ARGUMENTS)
    assert missing == set()


def _url(app, endpoint, values):
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **values)


def _call(client, method, url):
    return client.open(url, method=method, data={})


@pytest.mark.parametrize(("rule", "endpoint", "method"), RULES)
def test_access(app, make, login_as, rule, endpoint, method):
    world = World.build(make)
    access = access_of(app, endpoint)
    arguments = [arg for r in app.url_map.iter_rules(endpoint) for arg in r.arguments]
    anyone = world.users[next(iter(world.users))]
    own_anon = {arg: ARGUMENTS[arg](world, anyone)[0] for arg in arguments}

    response = _call(app.test_client(), method, _url(app, endpoint, own_anon))
    if access == PUBLIC:
        assert response.status_code < 500
        assert "/login?" not in response.headers.get("Location", "")
    else:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")

    if access == PUBLIC:
        return
    for role, user in world.users.items():
        client = login_as(user)
        provided = {arg: ARGUMENTS[arg](world, user) for arg in arguments}
        own = {arg: values[0] for arg, values in provided.items()}
        if role not in access:
            assert _call(client, method, _url(app, endpoint, own)).status_code == 403, role
            continue
        if method == "GET":
            status = _call(client, method, _url(app, endpoint, own)).status_code
            assert status in (200, 302), (role, status)
        for arg, (_own, foreign) in provided.items():
            if foreign is None:
                continue
            response = _call(client, method, _url(app, endpoint, {**own, arg: foreign}))
            assert response.status_code == 404, (role, arg)
