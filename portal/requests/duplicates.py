"""Why a reviewer should look twice at a request: the vehicle already has a valid letter, or
it is requested again (for another country or the same one)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.clock import today_in_china
from portal.letters.lifecycle.models import Letter, LetterStatus
from portal.letters.lifecycle.service import Standing, standing_on
from portal.requests.models import LetterRequest
from portal.requests.states import RequestStatus


class DuplicateKind(StrEnum):
    """Why a flag is shown."""

    ISSUED = "issued"  # the vehicle has a letter valid today, for any destination
    OTHER_COUNTRY = "other_country"  # the vehicle is also being requested for another country
    SAME_COUNTRY = "same_country"  # another request for the same vehicle and country


# Other requests count while they wait for a decision or for their letter. An issued request
# counts through its letter alone: once that is revoked, superseded or expired, nothing flags.
_PENDING = (RequestStatus.SUBMITTED, RequestStatus.APPROVED)


@dataclass(frozen=True)
class DuplicateFlag:
    """A valid letter for the same vehicle (ISSUED) or another request for it."""

    kind: DuplicateKind
    country: str
    request_id: int | None = None  # the other request
    status: RequestStatus | None = None  # the other request's status
    letter_id: int | None = None  # the valid letter
    letter_number: str = ""
    valid_until: date | None = None


def duplicate_flags(
    session: Session, request: LetterRequest, *, today: date | None = None
) -> list[DuplicateFlag]:
    """Returns the request's flags: the manufacturer's letters for its VIN that are valid on
    the day (today by default), then its other pending or approved requests for that VIN."""
    return duplicate_flags_for(session, [request], today=today).get(request.id, [])


def duplicate_flags_for(
    session: Session, requests: Iterable[LetterRequest], *, today: date | None = None
) -> dict[int, list[DuplicateFlag]]:
    """Returns the flags of each request that has any (by id), in two queries for all."""
    requests = list(requests)
    day = today or today_in_china()
    letters = _same_vin(session, Letter, requests, Letter.status == LetterStatus.ISSUED)
    others = _same_vin(session, LetterRequest, requests, LetterRequest.status.in_(_PENDING))
    flags = {}
    for request in requests:
        key = (request.manufacturer_id, request.vin)
        found = _letter_flags(request, letters[key], day) + _request_flags(request, others[key])
        if found:
            flags[request.id] = found
    return flags


def _same_vin(
    session: Session, model: Any, requests: Sequence[LetterRequest], condition: Any
) -> dict[tuple[int, str], list[Any]]:
    """Returns the rows of the model (letters or requests) of each request's manufacturer and
    VIN that meet the condition, grouped by (manufacturer, VIN)."""
    found: dict[tuple[int, str], list[Any]] = defaultdict(list)
    pairs = {(r.manufacturer_id, r.vin) for r in requests}
    for manufacturer_id in {m for m, _vin in pairs}:
        vins = sorted(vin for m, vin in pairs if m == manufacturer_id)
        for chunk in _chunks(vins, 500):
            rows = session.scalars(
                sa.select(model)
                .where(model.manufacturer_id == manufacturer_id, model.vin.in_(chunk), condition)
                .order_by(model.id)
            )
            for row in rows:
                found[(row.manufacturer_id, row.vin)].append(row)
    return found


def _letter_flags(request: LetterRequest, letters: list[Letter], day: date) -> list[DuplicateFlag]:
    return [
        DuplicateFlag(
            DuplicateKind.ISSUED,
            letter.country,
            letter_id=letter.id,
            letter_number=letter.number,
            valid_until=letter.valid_until,
        )
        for letter in letters
        # The request's own letter answers it; it does not duplicate it.
        if letter.request_id != request.id and standing_on(letter, day) is Standing.VALID
    ]


def _request_flags(request: LetterRequest, others: list[LetterRequest]) -> list[DuplicateFlag]:
    return [
        DuplicateFlag(
            DuplicateKind.OTHER_COUNTRY
            if other.country != request.country
            else DuplicateKind.SAME_COUNTRY,
            other.country,
            request_id=other.id,
            status=other.status,
        )
        for other in others
        if other.id != request.id
    ]


def _chunks(values: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
