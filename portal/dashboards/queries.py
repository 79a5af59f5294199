"""The dashboards' numbers, each counted in the database (one aggregate query per figure,
the same on SQLite and PostgreSQL), always for the organisation asking."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.accounts.models import Organisation, User
from portal.clock import CHINA
from portal.letters.lifecycle.models import Letter, LetterStatus
from portal.outlets import queries as outlet_queries
from portal.requests.models import LetterRequest
from portal.requests.states import RequestStatus
from portal.verification.models import VerificationScan

WEEKS = 12


def china_midnight(day: date) -> datetime:
    """Returns the moment a day begins in China."""
    return datetime.combine(day, time(0), tzinfo=CHINA)


def week_starts(today: date, weeks: int = WEEKS) -> list[date]:
    """Returns the Mondays of the last `weeks` weeks, oldest first, this week's last."""
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def _counts_in(session: Session, column, where, bounds: list[datetime]) -> list[int]:
    """Returns how many rows fall in each [bounds[i], bounds[i+1]) window, in one query."""
    sums = [
        sa.func.coalesce(
            sa.func.sum(sa.case((sa.and_(column >= start, column < end), 1), else_=0)), 0
        )
        for start, end in itertools.pairwise(bounds)
    ]
    row = session.execute(sa.select(*sums).where(*where, column >= bounds[0])).one()
    return [int(n) for n in row]


def per_week(session: Session, column, where, today: date) -> list[tuple[date, int]]:
    """Returns (Monday, count) for the last twelve weeks in China's calendar."""
    starts = week_starts(today)
    bounds = [china_midnight(d) for d in starts] + [china_midnight(starts[-1] + timedelta(7))]
    return list(zip(starts, _counts_in(session, column, where, bounds), strict=True))


@dataclass(frozen=True)
class AgeBucket:
    key: str
    first_day: date | None  # submitted on or after (None: no lower limit)
    last_day: date  # submitted on or before
    count: int


def waiting_by_age(session: Session, manufacturer_id: int, today: date) -> list[AgeBucket]:
    """Returns the requests awaiting the manufacturer's decision by how long they wait:
    submitted today, 1-2 days ago, 3-6 days ago, a week or more."""
    spans = [("today", 0, 0), ("days_1_2", 2, 1), ("days_3_6", 6, 3), ("week", None, 7)]
    where = (
        LetterRequest.manufacturer_id == manufacturer_id,
        LetterRequest.status == RequestStatus.SUBMITTED,
    )
    bounds = [china_midnight(date(1970, 1, 2))] + [
        china_midnight(today - timedelta(days=d)) for d in (6, 2, 0)
    ]
    bounds.append(china_midnight(today + timedelta(days=1)))
    oldest_first = _counts_in(session, LetterRequest.submitted_at, where, bounds)
    counts = dict(zip(("week", "days_3_6", "days_1_2", "today"), oldest_first, strict=True))
    return [
        AgeBucket(
            key,
            today - timedelta(days=first) if first is not None else None,
            today - timedelta(days=last),
            counts[key],
        )
        for key, first, last in spans
    ]


def requests_by_status(session: Session, column, org_id: int) -> dict[RequestStatus, int]:
    """Returns how many requests of the organisation are in each status."""
    where = [column == org_id]
    if column is LetterRequest.manufacturer_id:
        where.append(LetterRequest.submitted_at.is_not(None))
    rows = session.execute(
        sa.select(LetterRequest.status, sa.func.count(LetterRequest.id))
        .where(*where)
        .group_by(LetterRequest.status)
    )
    found = dict(rows.all())
    return {status: found.get(status, 0) for status in RequestStatus}


def letters_by_standing(session: Session, column, org_id: int, today: date) -> dict[str, int]:
    """Returns the organisation's letters by standing today: valid, expiring within 30 days
    (also valid), expired, revoked and superseded, in one query."""
    issued = Letter.status == LetterStatus.ISSUED

    def count_if(condition) -> sa.ColumnElement[int]:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    row = session.execute(
        sa.select(
            sa.func.count(Letter.id),
            count_if(sa.and_(issued, Letter.valid_until >= today)),
            count_if(
                sa.and_(
                    issued,
                    Letter.valid_until >= today,
                    Letter.valid_until <= today + timedelta(days=30),
                )
            ),
            count_if(sa.and_(issued, Letter.valid_until < today)),
            count_if(Letter.status == LetterStatus.REVOKED),
            count_if(Letter.status == LetterStatus.SUPERSEDED),
        ).where(column == org_id)
    ).one()
    keys = ("total", "valid", "expiring", "expired", "revoked", "superseded")
    return dict(zip(keys, (int(n) for n in row), strict=True))


def verifications_by_country(
    session: Session, manufacturer_id: int, since: datetime, limit: int = 8
) -> list[tuple[str, int]]:
    """Returns the countries checks came from (by the browser's language region) since a
    moment, most first; '' stands for unknown."""
    count = sa.func.count(VerificationScan.id)
    rows = session.execute(
        sa.select(VerificationScan.country, count)
        .where(VerificationScan.manufacturer_id == manufacturer_id, VerificationScan.at >= since)
        .group_by(VerificationScan.country)
        .order_by(count.desc(), VerificationScan.country)
        .limit(limit)
    )
    return [(country, n) for country, n in rows]


@dataclass(frozen=True)
class Coverage:
    country: str
    requests: int  # requests ever submitted for this destination
    outlets: int  # outlets in service today


def coverage(session: Session, manufacturer_id: int, today: date) -> list[Coverage]:
    """Returns every country with outlets in service or with requests, countries requested
    but without an outlet first."""
    outlets = {
        country: n
        for (country, brand), n in outlet_queries.active_outlet_counts(
            session, manufacturer_id=manufacturer_id, on=today
        ).items()
        if brand is None
    }
    requested = dict(
        session.execute(
            sa.select(LetterRequest.country, sa.func.count(LetterRequest.id))
            .where(
                LetterRequest.manufacturer_id == manufacturer_id,
                LetterRequest.submitted_at.is_not(None),
            )
            .group_by(LetterRequest.country)
        ).all()
    )
    rows = [
        Coverage(country, requested.get(country, 0), outlets.get(country, 0))
        for country in set(outlets) | set(requested)
    ]
    return sorted(rows, key=lambda c: (c.outlets > 0, -c.requests, c.country))


def users_by_role(session: Session, org_id: int) -> dict[str, int]:
    """Returns the organisation's active users per role."""
    rows = session.execute(
        sa.select(User.role, sa.func.count(User.id))
        .where(User.organisation_id == org_id, User.active.is_(True))
        .group_by(User.role)
    )
    return {str(role): n for role, n in rows}


def organisations_by_kind(session: Session) -> dict[str, int]:
    """Returns the active organisations per kind."""
    rows = session.execute(
        sa.select(Organisation.kind, sa.func.count(Organisation.id))
        .where(Organisation.is_active.is_(True))
        .group_by(Organisation.kind)
    )
    return {str(kind): n for kind, n in rows}


def verifications_by_verdict(session: Session, since: datetime | None) -> dict[str, int]:
    """Returns every check (since a moment, if given) by verdict, all manufacturers."""
    query = sa.select(VerificationScan.verdict, sa.func.count(VerificationScan.id))
    if since is not None:
        query = query.where(VerificationScan.at >= since)
    rows = session.execute(query.group_by(VerificationScan.verdict))
    return dict(rows.all())


def letters_issued(session: Session, *, since: datetime) -> tuple[int, int]:
    """Returns how many letters were ever issued, all manufacturers, and how many since."""
    total, recent = session.execute(
        sa.select(
            sa.func.count(Letter.id),
            sa.func.coalesce(sa.func.sum(sa.case((Letter.issued_at >= since, 1), else_=0)), 0),
        )
    ).one()
    return int(total), int(recent)
