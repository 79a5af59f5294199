"""An organisation's administrator manages its own users: invitations with one-time links,
roles, deactivation; never another organisation's users."""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.accounts.models import User
from portal.accounts.roles import OrgKind, Role


def _link(page: str) -> str:
    match = re.search(r"/set-password/([A-Za-z0-9_\-]+)", page)
    assert match, page
    return match.group(0)


def test_invitation_link_sets_the_password_once(app, login_as, session):
    admin = login_as(Role.MANUFACTURER_ADMIN)
    page = admin.post(
        "/users/invite",
        data={
            "email": "new.issuer@example.test",
            "name": "New Issuer",
            "role": "manufacturer_issuer",
        },
    )
    link = _link(page.get_data(as_text=True))
    invited = session.scalar(sa.select(User).where(User.email == "new.issuer@example.test"))
    assert invited.organisation_id == admin.user.organisation_id
    assert invited.password_hash is None

    guest = app.test_client()
    assert guest.get(link).status_code == 200
    response = guest.post(link, data={"password": "my own secret 1", "confirm": "my own secret 1"})
    assert response.status_code == 302
    assert guest.get(link).status_code == 404  # used up
    signed_in = guest.post(
        "/login", data={"email": "new.issuer@example.test", "password": "my own secret 1"}
    )
    assert signed_in.status_code == 302


def test_invitation_refuses_a_role_of_another_kind(login_as, session):
    admin = login_as(Role.EXPORTER_ADMIN)
    page = admin.post(
        "/users/invite",
        data={"email": "x@example.test", "name": "X", "role": "manufacturer_issuer"},
    )
    assert page.status_code == 200
    assert session.scalar(sa.select(User).where(User.email == "x@example.test")) is None


def test_invitation_refuses_an_email_of_the_same_organisation(login_as, make):
    admin = login_as(Role.EXPORTER_ADMIN)
    colleague = make.user(Role.EXPORTER_USER, org=admin.user.organisation)
    page = admin.post(
        "/users/invite",
        data={"email": colleague.email.upper(), "name": "X", "role": "exporter_user"},
    )
    assert "already a user of your organisation" in page.get_data(as_text=True)


def test_invitation_of_another_organisations_user_reveals_nothing(login_as, make, session):
    admin = login_as(Role.EXPORTER_ADMIN)
    foreign = make.user(Role.EXPORTER_USER)  # a user of another exporter
    page = admin.post(
        "/users/invite", data={"email": foreign.email, "name": "X", "role": "exporter_user"}
    )
    text = page.get_data(as_text=True)
    assert "cannot be invited" in text
    for revealing in ("exists", "already a user", "another organisation", foreign.name):
        assert revealing not in text
    # the same words as for an address that is merely unusable, and nothing was created
    assert (
        session.scalar(
            sa.select(sa.func.count()).select_from(User).where(User.email == foreign.email)
        )
        == 1
    )


def test_admin_changes_a_role_and_the_user_must_sign_in_again(app, login_as, make, session):
    admin = login_as(Role.MANUFACTURER_ADMIN)
    viewer_user = make.user(Role.MANUFACTURER_VIEWER, org=admin.user.organisation)
    viewer = login_as(viewer_user)
    response = admin.post(f"/users/{viewer_user.id}/role", data={"role": "manufacturer_issuer"})
    assert response.status_code == 302
    session.refresh(viewer_user)
    assert viewer_user.role is Role.MANUFACTURER_ISSUER
    assert viewer.get("/").status_code == 302


def test_admin_deactivates_and_reactivates(login_as, make, session):
    admin = login_as(Role.EXPORTER_ADMIN)
    colleague = make.user(Role.EXPORTER_USER, org=admin.user.organisation)
    session_of_colleague = login_as(colleague)
    asked = admin.post(f"/users/{colleague.id}/active")
    assert asked.location == f"/users/{colleague.id}/deactivate"
    page = admin.get(asked.location).get_data(as_text=True)
    assert f"Deactivate {colleague.name}?" in page and 'name="confirm" value="1"' in page
    session.refresh(colleague)
    assert colleague.active is True  # not before the confirmation
    admin.post(f"/users/{colleague.id}/active", data={"confirm": "1"})
    session.refresh(colleague)
    assert colleague.active is False
    assert session_of_colleague.get("/").status_code == 302
    admin.post(f"/users/{colleague.id}/active")
    session.refresh(colleague)
    assert colleague.active is True


def test_admin_cannot_demote_or_deactivate_themselves(login_as, session):
    admin = login_as(Role.EXPORTER_ADMIN)
    admin.post(f"/users/{admin.user.id}/active", data={"confirm": "1"})
    admin.post(f"/users/{admin.user.id}/role", data={"role": "exporter_user"})
    session.refresh(admin.user)
    assert admin.user.active is True
    assert admin.user.role is Role.EXPORTER_ADMIN


def test_users_page_lists_only_the_own_organisation(login_as, make):
    admin = login_as(Role.MANUFACTURER_ADMIN)
    foreign = make.user(Role.MANUFACTURER_VIEWER)
    page = admin.get("/users").get_data(as_text=True)
    assert admin.user.email in page
    assert foreign.email not in page


def test_platform_admin_creates_an_organisation_with_its_first_admin(login_as, session):
    from portal.accounts.uscc import with_check_character

    operator = login_as(Role.PLATFORM_ADMIN)
    page = operator.post(
        "/organisations/new",
        data={
            "kind": "manufacturer",
            "name_en": "Star Motors Ltd.",
            "name_zh": "星辰汽车有限公司",
            "uscc": with_check_character("91110000MA00TAR12"),
            "short_code": "star",
            "brands": "Star\nStar EV",
            "wmis": "LS9, LSX",
            "admin_email": "boss@star.test",
            "admin_name": "Boss",
        },
    ).get_data(as_text=True)
    assert "/set-password/" in page
    admin = session.scalar(sa.select(User).where(User.email == "boss@star.test"))
    assert admin.role is Role.MANUFACTURER_ADMIN
    org = admin.organisation
    assert org.short_code == "STAR"
    assert [b.name for b in org.brands] == ["Star", "Star EV"]
    assert [w.code for w in org.wmis] == ["LS9", "LSX"]


def test_organisation_errors_are_shown_and_nothing_is_kept(login_as, session, make):
    from portal.accounts.uscc import with_check_character

    operator = login_as(Role.PLATFORM_ADMIN)
    taken = make.organisation()
    good = with_check_character("91110000MA00CPY12")
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    page = operator.post(
        "/organisations/new",
        data={
            "kind": "manufacturer",
            "name_en": "Copy Motors",
            "name_zh": "复制汽车",
            "uscc": wrong_check,
            "short_code": "COPY",
            "brands": "Copy",
            "wmis": "LQ1",
            "admin_email": "boss@copy.test",
            "admin_name": "Boss",
        },
    ).get_data(as_text=True)
    assert "check character does not match" in page
    page = operator.post(
        "/organisations/new",
        data={
            "kind": "manufacturer",
            "name_en": "Copy Motors",
            "name_zh": "复制汽车",
            "uscc": taken.uscc,
            "short_code": "COPY",
            "admin_email": "boss@copy.test",
            "admin_name": "Boss",
        },
    ).get_data(as_text=True)
    assert "unified social credit code exists" in page
    assert session.scalar(sa.select(User).where(User.email == "boss@copy.test")) is None


def _selected_role(page: str) -> list[str]:
    select = re.search(r'<select[^>]*name="role".*?</select>', page, re.S)
    assert select, page
    return re.findall(r'<option selected value="([a-z_]+)"', select.group(0))


def test_an_invitation_starts_on_the_least_privileged_role(login_as, make):
    admin = login_as(Role.MANUFACTURER_ADMIN)
    assert _selected_role(admin.get("/users/invite").get_data(as_text=True)) == [
        "manufacturer_viewer"
    ]
    platform = login_as(Role.PLATFORM_ADMIN)
    exporter = make.organisation(OrgKind.EXPORTER)
    page = platform.get(f"/organisations/{exporter.id}").get_data(as_text=True)
    assert _selected_role(page) == ["exporter_user"]
