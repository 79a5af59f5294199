def test_login_as_every_role(login_as):
    from portal.accounts.roles import Role

    for role in Role:
        client = login_as(role)
        assert client.get("/").status_code in (200, 302)
