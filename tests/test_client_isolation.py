"""Clients signed in as different users stay different users within one test."""

from portal.accounts.roles import Role


def test_two_clients_keep_their_own_users(login_as):
    exporter = login_as(Role.EXPORTER_USER)
    issuer = login_as(Role.MANUFACTURER_ISSUER)
    assert issuer.get("/users").status_code == 403  # an issuer is not an administrator
    assert exporter.get("/users").status_code == 403
    admin = login_as(Role.EXPORTER_ADMIN)
    assert admin.get("/users").status_code == 200
    assert exporter.get("/users").status_code == 403
