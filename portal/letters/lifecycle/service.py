"""Letters after issuance: their status on a day, revocation, and the queries that find them
for a manufacturer or an exporter (always filtered by the organisation)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from portal.accounts.models import Organisation, User
from portal.accounts.roles import OrgKind
from portal.audit.record import record
from portal.clock import CHINA, today_in_china
from portal.db import utcnow
from portal.errors import Conflict, NotFound, ValidationError
from portal.letters.lifecycle.models import Letter, LetterStatus
from portal.notifications import service as notices
from portal.revocations.service import publish_revocation_list


class Standing(enum.StrEnum):
    """Where a letter stands on a given day."""

    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


def standing_on(letter: Letter, day: date) -> Standing:
    """Returns the letter's standing on the day: revoked and superseded come before expiry."""
    if letter.status is LetterStatus.REVOKED:
        return Standing.REVOKED
    if letter.status is LetterStatus.SUPERSEDED:
        return Standing.SUPERSEDED
    return Standing.EXPIRED if letter.is_expired_on(day) else Standing.VALID


STATUS_LABELS = {
    LetterStatus.ISSUED: _l("valid"),
    LetterStatus.REVOKED: _l("revoked"),
    LetterStatus.SUPERSEDED: _l("superseded"),
}


def status_label(status: LetterStatus) -> str:
    """Returns the letter status in the current language, for sentences."""
    return str(STATUS_LABELS[status])


def revoke_letter(
    session: Session, letter: Letter, *, reason: str, actor: User, master_key: bytes
) -> None:
    """Revokes a valid letter; verification shows it as revoked from the next request on,
    and the revocation list published in the same transaction names it."""
    if letter.status is not LetterStatus.ISSUED:
        raise Conflict(
            _(
                "Letter %(number)s is already %(status)s.",
                number=letter.number,
                status=status_label(letter.status),
            )
        )
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise ValidationError(
            _("Give the reason for the revocation (at most 500 characters)."), field="reason"
        )
    letter.status = LetterStatus.REVOKED
    letter.revoked_at = utcnow()
    letter.revoked_by_id = actor.id
    letter.revocation_reason = reason
    record(session, "letter.revoked", actor=actor, obj=letter, number=letter.number, reason=reason)
    notices.letter_revoked(session, letter)
    session.flush()  # the status and the entry it is checked against, together
    publish_revocation_list(session, master_key, now=letter.revoked_at)


@dataclass(frozen=True)
class LetterFilter:
    """What a person searches letters by."""

    text: str = ""  # VIN, letter number or exporter name, in part
    country: str = ""
    standing: str = ""
    today: date | None = None
    expiring_within: int | None = None  # valid letters whose validity ends within n days
    issued_week: date | None = None  # letters issued in the week (China) from this Monday
    sort: str = ""  # one of SORTS; newest first when empty


# How a list of letters may be sorted: a key and its descending form with a leading "-".
SORTS = {
    "issued": (Letter.issued_at, Letter.id),
    "number": (Letter.number,),
    "vin": (Letter.vin, Letter.id),
    "country": (Letter.country, Letter.id),
    "exporter": (Letter.exporter_name, Letter.id),
    "valid_until": (Letter.valid_until, Letter.id),
}


def _ordered(query: sa.Select, sort: str) -> sa.Select:
    key = sort.removeprefix("-")
    if key not in SORTS:
        return query.order_by(Letter.issued_at.desc(), Letter.id.desc())
    columns = SORTS[key]
    return query.order_by(*(c.desc() if sort.startswith("-") else c for c in columns))


def letters_of(org: Organisation, filters: LetterFilter) -> sa.Select:
    """Returns the query for the letters the organisation may see, filtered, newest first."""
    if org.kind is OrgKind.MANUFACTURER:
        query = sa.select(Letter).where(Letter.manufacturer_id == org.id)
    elif org.kind is OrgKind.EXPORTER:
        query = sa.select(Letter).where(Letter.exporter_id == org.id)
    else:
        query = sa.select(Letter).where(sa.false())
    text = filters.text.strip()
    if text:
        like = f"%{text.upper()}%"
        query = query.where(
            sa.or_(
                Letter.vin.like(like),
                Letter.number.like(like),
                sa.func.upper(Letter.exporter_name).like(like),
            )
        )
    if filters.country:
        query = query.where(Letter.country == filters.country.strip().upper())
    today = filters.today or today_in_china()
    if filters.expiring_within is not None:
        query = query.where(
            Letter.status == LetterStatus.ISSUED,
            Letter.valid_until >= today,
            Letter.valid_until <= today + timedelta(days=filters.expiring_within),
        )
    if filters.issued_week is not None:
        start = datetime.combine(filters.issued_week, time(0), tzinfo=CHINA)
        query = query.where(Letter.issued_at >= start, Letter.issued_at < start + timedelta(7))
    return _ordered(_by_standing(query, filters.standing, today), filters.sort)


def _by_standing(query: sa.Select, standing: str, today: date) -> sa.Select:
    if standing == Standing.REVOKED:
        return query.where(Letter.status == LetterStatus.REVOKED)
    if standing == Standing.SUPERSEDED:
        return query.where(Letter.status == LetterStatus.SUPERSEDED)
    if standing == Standing.EXPIRED:
        return query.where(Letter.status == LetterStatus.ISSUED, Letter.valid_until < today)
    if standing == Standing.VALID:
        return query.where(Letter.status == LetterStatus.ISSUED, Letter.valid_until >= today)
    return query


def letter_of(session: Session, org: Organisation, letter_id: int) -> Letter:
    """Returns the letter if the organisation may see it; otherwise NotFound (never 403)."""
    letter = session.scalar(letters_of(org, LetterFilter()).where(Letter.id == letter_id))
    if letter is None:
        raise NotFound(_("No such letter."))
    return letter
