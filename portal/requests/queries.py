"""Finding requests: for their exporter and for the manufacturer they address. Every lookup
by id is filtered by the organisation asking, so a request of another organisation is simply
not found."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session, aliased, selectinload

from portal.accounts.models import Organisation
from portal.clock import CHINA
from portal.errors import NotFound
from portal.letters.lifecycle.models import Letter
from portal.requests.models import LetterRequest
from portal.requests.states import RequestStatus

# What a manufacturer sees: everything ever submitted to it (drafts stay with the exporter).
SEEN_BY_MANUFACTURER = LetterRequest.submitted_at.is_not(None)


def _not_found() -> NotFound:
    return NotFound(_("No such request."))


def _with_relations(query: sa.Select) -> sa.Select:
    return query.options(
        selectinload(LetterRequest.brand),
        selectinload(LetterRequest.exporter),
        selectinload(LetterRequest.manufacturer),
    )


def exporter_request(session: Session, exporter_id: int, request_id: int) -> LetterRequest:
    """Return the exporter's own request, or raise NotFound (also for other exporters')."""
    found = session.scalar(
        _with_relations(sa.select(LetterRequest)).where(
            LetterRequest.id == request_id, LetterRequest.exporter_id == exporter_id
        )
    )
    if found is None:
        raise _not_found()
    return found


def manufacturer_request(session: Session, manufacturer_id: int, request_id: int) -> LetterRequest:
    """Return a submitted request addressed to the manufacturer, or raise NotFound."""
    found = session.scalar(
        _with_relations(sa.select(LetterRequest)).where(
            LetterRequest.id == request_id,
            LetterRequest.manufacturer_id == manufacturer_id,
            SEEN_BY_MANUFACTURER,
        )
    )
    if found is None:
        raise _not_found()
    return found


def request_seen_by(session: Session, organisation_id: int, request_id: int) -> LetterRequest:
    """Return the request if this organisation is its exporter or (once submitted) its
    manufacturer, or raise NotFound."""
    found = session.scalar(
        sa.select(LetterRequest).where(
            LetterRequest.id == request_id,
            sa.or_(
                LetterRequest.exporter_id == organisation_id,
                sa.and_(LetterRequest.manufacturer_id == organisation_id, SEEN_BY_MANUFACTURER),
            ),
        )
    )
    if found is None:
        raise _not_found()
    return found


@dataclass
class Page:
    """One page of a list, with what is needed to link to the others."""

    items: Sequence[LetterRequest]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def _page(session: Session, query: sa.Select, number: int, per_page: int) -> Page:
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    number = max(1, min(number, max(1, -(-total // per_page))))
    items = session.scalars(
        _with_relations(query).limit(per_page).offset((number - 1) * per_page)
    ).all()
    return Page(items=items, number=number, per_page=per_page, total=total)


# How the exporter's list may be sorted; a leading "-" sorts descending.
EXPORTER_SORTS = {
    "id": (LetterRequest.id,),
    "vin": (LetterRequest.vin, LetterRequest.id),
    "country": (LetterRequest.country, LetterRequest.id),
    "status": (LetterRequest.status, LetterRequest.id),
    "created": (LetterRequest.created_at, LetterRequest.id),
}


def exporter_requests(
    session: Session,
    exporter_id: int,
    *,
    status: RequestStatus | None = None,
    batch_id: int | None = None,
    text: str = "",
    sort: str = "",
    page: int = 1,
    per_page: int = 50,
) -> Page:
    """Return a page of the exporter's requests, newest first unless sorted otherwise;
    `text` finds a VIN or the number of the request's letter, in part."""
    query = sa.select(LetterRequest).where(LetterRequest.exporter_id == exporter_id)
    if status is not None:
        query = query.where(LetterRequest.status == status)
    if batch_id is not None:
        query = query.where(LetterRequest.batch_id == batch_id)
    text = text.strip().upper()
    if text:
        numbers = sa.select(Letter.request_id).where(
            Letter.exporter_id == exporter_id, Letter.number.contains(text, autoescape=True)
        )
        query = query.where(
            sa.or_(
                LetterRequest.vin.contains(text, autoescape=True),
                LetterRequest.id.in_(numbers),
            )
        )
    key = sort.removeprefix("-")
    if key in EXPORTER_SORTS:
        columns = EXPORTER_SORTS[key]
        query = query.order_by(*(c.desc() if sort.startswith("-") else c for c in columns))
    else:
        query = query.order_by(LetterRequest.created_at.desc(), LetterRequest.id.desc())
    return _page(session, query, page, per_page)


def letters_answering(session: Session, request_ids: Sequence[int]) -> dict[int, Letter]:
    """Return the letter of each of these requests that has one, by request id, with the
    letter that superseded it loaded."""
    if not request_ids:
        return {}
    letters = session.scalars(
        sa.select(Letter)
        .where(Letter.request_id.in_(list(request_ids)))
        .options(selectinload(Letter.superseded_by))
    )
    return {letter.request_id: letter for letter in letters if letter.request_id is not None}


@dataclass
class QueueFilter:
    """The review queue's filters; None or empty means 'any'."""

    status: RequestStatus | None = RequestStatus.SUBMITTED
    country: str = ""
    brand_id: int | None = None
    exporter: str = ""
    submitted_from: date | None = None
    submitted_until: date | None = None


def _china_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=CHINA)


def _exporter_matches(exporter: type[Organisation], text: str) -> sa.ColumnElement[bool]:
    """Return the condition: the exporter's names or USCC (typed-in or of its account)
    contain the text, in any case."""
    text = text.strip().lower()
    columns = (
        exporter.name_en,
        exporter.name_zh,
        exporter.uscc,
        LetterRequest.exporter_name,
        LetterRequest.exporter_uscc,
    )
    return sa.or_(*(sa.func.lower(c).contains(text, autoescape=True) for c in columns))


def review_queue(
    session: Session, manufacturer_id: int, filters: QueueFilter, *, page: int, per_page: int
) -> Page:
    """Return a page of the requests submitted to the manufacturer that match the filters.

    Requests awaiting a decision come oldest first (first come, first served); other lists
    newest first.
    """
    exporter = aliased(Organisation)
    query = (
        sa.select(LetterRequest)
        .outerjoin(exporter, exporter.id == LetterRequest.exporter_id)
        .where(LetterRequest.manufacturer_id == manufacturer_id, SEEN_BY_MANUFACTURER)
    )
    if filters.status is not None:
        query = query.where(LetterRequest.status == filters.status)
    if filters.country:
        query = query.where(LetterRequest.country == filters.country.upper())
    if filters.brand_id is not None:
        query = query.where(LetterRequest.brand_id == filters.brand_id)
    if filters.exporter.strip():
        query = query.where(_exporter_matches(exporter, filters.exporter))
    if filters.submitted_from is not None:
        query = query.where(LetterRequest.submitted_at >= _china_midnight(filters.submitted_from))
    if filters.submitted_until is not None:
        end = _china_midnight(filters.submitted_until + timedelta(days=1))
        query = query.where(LetterRequest.submitted_at < end)
    if filters.status is RequestStatus.SUBMITTED:
        query = query.order_by(LetterRequest.submitted_at, LetterRequest.id)
    else:
        query = query.order_by(LetterRequest.submitted_at.desc(), LetterRequest.id.desc())
    return _page(session, query, page, per_page)
