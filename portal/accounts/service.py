"""Operations on organisations and users. They flush; the caller commits."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from portal.accounts.models import Brand, Organisation, PasswordLink, User, Wmi
from portal.accounts.passwords import check_password_strength
from portal.accounts.roles import ROLES_OF_KIND, OrgKind, Role
from portal.accounts.throttle import note_failure, open_gate
from portal.accounts.uscc import UsccError, validate_uscc
from portal.audit.record import record
from portal.db import utcnow
from portal.errors import Conflict, NotFound, PortalError, ValidationError

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SHORT_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,11}$")
WMI = re.compile(r"^[A-HJ-NPR-Z0-9]{3}$")
# Checked against when the email is unknown, so both cases take the same time.
_DUMMY_HASH = generate_password_hash("portal-timing-equaliser")


class LoginFailed(PortalError):
    status_code = 401


def normalise_email(email: str) -> str:
    """Returns the email trimmed and lower-cased, or raises ValidationError if malformed."""
    value = (email or "").strip().lower()
    if not EMAIL.match(value) or len(value) > 254:
        raise ValidationError(_("Enter a valid email address."), field="email")
    return value


def create_organisation(
    session: Session,
    *,
    kind: OrgKind,
    name_en: str,
    name_zh: str = "",
    uscc: str | None = None,
    short_code: str | None = None,
    brands: Iterable[str] = (),
    wmis: Iterable[str] = (),
    actor: User | None = None,
) -> Organisation:
    """Returns a new organisation after checking its names, codes, brands and WMIs."""
    org = Organisation(kind=kind, name_en=name_en.strip(), name_zh=(name_zh or "").strip())
    if not org.name_en:
        raise ValidationError(_("The English legal name is required."), field="name_en")
    if kind is not OrgKind.OPERATOR:
        org.uscc = _checked_uscc(session, uscc)
    if kind is OrgKind.MANUFACTURER:
        if not org.name_zh:
            raise ValidationError(_("The Chinese legal name is required."), field="name_zh")
        org.short_code = _checked_short_code(session, short_code)
    session.add(org)
    set_brands_and_wmis(session, org, brands=brands, wmis=wmis)
    session.flush()
    record(
        session,
        "organisation.created",
        actor=actor,
        organisation_id=org.id,
        obj=org,
        kind=kind.value,
        name=org.name_en,
    )
    return org


def uscc_problem(error: UsccError) -> str:
    """Returns what is wrong with a unified social credit code, in the current language."""
    reasons = {
        "length": _("a unified social credit code has 18 characters"),
        "check": _("the check character does not match; please check for a typing error"),
        "characters": _("it contains characters that such a code cannot have"),
    }
    return _("Unified social credit code: %(reason)s.", reason=reasons[error.code])


def _checked_uscc(session: Session, value: str | None) -> str:
    try:
        code = validate_uscc(value or "")
    except UsccError as error:
        raise ValidationError(uscc_problem(error), field="uscc") from None
    if session.scalar(sa.select(Organisation.id).where(Organisation.uscc == code)):
        raise Conflict(
            _("An organisation with this unified social credit code exists."), field="uscc"
        )
    return code


def _checked_short_code(session: Session, value: str | None) -> str:
    code = (value or "").strip().upper()
    if not SHORT_CODE.match(code):
        raise ValidationError(
            _("The short code is 2 to 12 letters or digits, starting with a letter."),
            field="short_code",
        )
    if session.scalar(sa.select(Organisation.id).where(Organisation.short_code == code)):
        raise Conflict(_("Another manufacturer uses this short code."), field="short_code")
    return code


def set_brands_and_wmis(
    session: Session, org: Organisation, *, brands: Iterable[str], wmis: Iterable[str]
) -> None:
    """Adds the brands and WMIs not yet held (manufacturers only); never removes any."""
    brand_names = [b.strip() for b in brands if b.strip()]
    wmi_codes = [w.strip().upper() for w in wmis if w.strip()]
    if org.kind is not OrgKind.MANUFACTURER and (brand_names or wmi_codes):
        raise ValidationError(_("Only manufacturers have brands and WMIs."), field="brands")
    held = {brand.name.casefold() for brand in org.brands}
    for name in brand_names:
        if len(name) > 80:
            raise ValidationError(_("A brand name has at most 80 characters."), field="brands")
        if name.casefold() not in held:
            org.brands.append(Brand(name=name))
            held.add(name.casefold())
    owned = {wmi.code for wmi in org.wmis}
    for code in wmi_codes:
        if not WMI.match(code):
            raise ValidationError(
                _("%(code)s is not a WMI: three letters or digits, without I, O or Q.", code=code),
                field="wmis",
            )
        other = session.scalar(sa.select(Wmi).where(Wmi.code == code))
        if other is not None and other.organisation_id != org.id:
            raise Conflict(
                _("WMI %(code)s belongs to another manufacturer.", code=code), field="wmis"
            )
        if code not in owned:
            org.wmis.append(Wmi(code=code))
            owned.add(code)


def create_user(
    session: Session,
    *,
    organisation: Organisation,
    email: str,
    name: str,
    role: Role,
    password: str | None = None,
    actor: User | None = None,
) -> User:
    """Returns a new user of the organisation, with a password or none yet (invited)."""
    address = normalise_email(email)
    if role not in ROLES_OF_KIND[organisation.kind]:
        raise ValidationError(_("This role does not exist in this organisation."), field="role")
    if session.scalar(sa.select(User.id).where(User.email == address)):
        raise Conflict(_("A user with this email address exists."), field="email")
    if not name.strip():
        raise ValidationError(_("The name is required."), field="name")
    user = User(organisation=organisation, email=address, name=name.strip()[:120], role=role)
    if password is not None:
        user.password_hash = _hashed(password, address)
    session.add(user)
    session.flush()
    record(
        session,
        "user.created",
        actor=actor,
        organisation_id=organisation.id,
        obj=user,
        email=address,
        role=role.value,
    )
    return user


def invite_user(
    session: Session,
    *,
    organisation: Organisation,
    email: str,
    name: str,
    role: Role,
    actor: User,
    valid_hours: int,
) -> tuple[User, str]:
    """Returns a new user without a password, and the one-time token to set one.

    An address already taken is refused without saying by whom: an organisation's admin
    learns nothing about the users of other organisations.
    """
    address = normalise_email(email)
    taken = session.scalar(sa.select(User.organisation_id).where(User.email == address))
    if taken == organisation.id:
        raise Conflict(_("This person is already a user of your organisation."), field="email")
    if taken is not None:
        raise Conflict(
            _(
                "This email address cannot be invited. Ask the person for another work "
                "address, or ask the platform operator for help."
            ),
            field="email",
        )
    user = create_user(
        session, organisation=organisation, email=email, name=name, role=role, actor=actor
    )
    return user, new_password_link(session, user, valid_hours=valid_hours)


def _hashed(password: str, email: str, name: str = "") -> str:
    check_password_strength(password, email=email, name=name)
    return generate_password_hash(password)


def new_password_link(session: Session, user: User, *, valid_hours: int) -> str:
    """Returns a one-time token for setting the user's password; only its hash is kept.

    Every older unused link of the user stops working: only the newest one sent counts.
    """
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.execute(
        sa.update(PasswordLink)
        .where(PasswordLink.user_id == user.id, PasswordLink.used_at.is_(None))
        .values(used_at=now)
    )
    session.add(
        PasswordLink(
            user=user,
            token_hash=_digest(token),
            created_at=now,
            expires_at=now + timedelta(hours=valid_hours),
        )
    )
    session.flush()
    return token


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def password_link(session: Session, token: str, *, now: datetime) -> PasswordLink:
    """Returns the unused, unexpired link for the token, or raises ValidationError."""
    link = session.scalar(sa.select(PasswordLink).where(PasswordLink.token_hash == _digest(token)))
    if link is None or link.used_at is not None or link.expires_at < now:
        raise ValidationError(
            _("This link is not valid any more. Ask your administrator for a new one.")
        )
    return link


def set_password_from_link(session: Session, token: str, password: str) -> User:
    """Returns the user whose password the one-time link set; the link is used up."""
    now = utcnow()
    link = password_link(session, token, now=now)
    user = link.user
    user.password_hash = _hashed(password, user.email, user.name)
    user.session_version += 1
    link.used_at = now
    session.flush()
    record(session, "user.password_set", actor=user, obj=user)
    return user


def change_password(session: Session, user: User, *, current: str, new: str) -> None:
    """Changes the user's password and ends all their sessions."""
    if not user.password_hash or not check_password_hash(user.password_hash, current):
        raise ValidationError(_("The current password is not right."), field="current_password")
    user.password_hash = _hashed(new, user.email, user.name)
    end_sessions(user)
    session.flush()
    record(session, "user.password_changed", actor=user, obj=user)


def end_sessions(user: User) -> None:
    """Ends every session of the user, on every device."""
    user.session_version += 1


def authenticate(
    session: Session, email: str, password: str, *, free_attempts: int, max_delay: int
) -> User:
    """Returns the user these credentials belong to, or raises LoginFailed, or
    LoginThrottled (portal.accounts.throttle).

    At most `free_attempts` passwords are checked before the address is slowed down, however
    many attempts arrive at once (see portal.accounts.throttle).
    """
    address = (email or "").strip().lower()[:254]
    now = utcnow()
    gate = open_gate(session, address, free_attempts=free_attempts, max_delay=max_delay, now=now)
    user = session.scalar(sa.select(User).where(User.email == address))
    hashed = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    if check_password_hash(hashed, password or "") and user is not None and user.is_active:
        session.delete(gate)
        user.last_login_at = now
        record(session, "user.signed_in", actor=user, obj=user)
        session.flush()
        return user
    note_failure(session, gate, now)
    raise LoginFailed(_("The email address or the password is not right."))


def user_in_organisation(session: Session, organisation_id: int, user_id: int) -> User:
    """Returns the user if it belongs to the organisation; otherwise NotFound (never 403)."""
    user = session.scalar(
        sa.select(User).where(User.id == user_id, User.organisation_id == organisation_id)
    )
    if user is None:
        raise NotFound(_("No such user."))
    return user


def change_role(session: Session, user: User, role: Role, *, actor: User) -> None:
    """Gives the user another role of the same organisation."""
    if role not in ROLES_OF_KIND[user.organisation.kind]:
        raise ValidationError(_("This role does not exist in this organisation."), field="role")
    if user.id == actor.id:
        raise ValidationError(_("You cannot change your own role."), field="role")
    old = user.role
    user.role = role
    end_sessions(user)
    session.flush()
    record(session, "user.role_changed", actor=actor, obj=user, old=old.value, new=role.value)


def set_user_active(session: Session, user: User, active: bool, *, actor: User) -> None:
    """Deactivates (ending their sessions) or reactivates a user."""
    if user.id == actor.id:
        raise ValidationError(_("You cannot deactivate yourself."))
    user.active = active
    end_sessions(user)
    session.flush()
    record(session, "user.activated" if active else "user.deactivated", actor=actor, obj=user)
