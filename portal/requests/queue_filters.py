"""The review queue's filters as read from a request: the query string of the page, and the
requests the bulk bar acts on (those ticked, or all that match)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.access import current_org, current_org_id
from portal.countries import local_choices, normalise_country
from portal.db import db_session
from portal.errors import ValidationError
from portal.requests import queries, transitions
from portal.requests.forms import QueueFilterForm
from portal.requests.queue_order import SORT_KEYS
from portal.requests.states import RequestStatus


def filter_form() -> QueueFilterForm:
    """Returns the queue's filters as read from the query string, with their choices."""
    form = QueueFilterForm(formdata=request.args if request.args else None)
    form.brand.choices = [("", _("Any brand"))] + [
        (str(b.id), b.name) for b in current_org().brands
    ]
    codes = queries.queue_countries(db_session(), current_org_id())
    # The countries requested, and the one filtered on (from a link) even if none is.
    chosen = normalise_country(request.args.get("country", ""))[:2]
    codes = sorted({*codes, chosen} - {""})
    form.country.choices = [("", _("Any country")), *local_choices(get_locale(), codes)]
    form.validate()
    return form


def queue_filter(form: QueueFilterForm) -> queries.QueueFilter:
    status = form.status.data or ""
    brand = form.brand.data or ""
    since = request.args.get("decided_since", "")
    sort = request.args.get("sort", "")
    return queries.QueueFilter(
        status=RequestStatus(status) if status in set(RequestStatus) else None,
        country=normalise_country(form.country.data or "")[:2],
        brand_id=int(brand) if brand.isdigit() else None,
        exporter=form.exporter.data or "",
        submitted_from=form.submitted_from.data,
        submitted_until=form.submitted_until.data,
        decided_by=current_user.id if since else None,
        decided_since=_moment(since),
        sort=sort if sort in SORT_KEYS else "",
        descending=request.args.get("dir") == "desc",
    )


def _moment(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def chosen_ids() -> list[int]:
    """Returns the requests the bulk bar acts on: those ticked, or every one matching the
    filters of the page it was sent from."""
    if request.form.get("all_matching") == "1":
        filters = queue_filter(filter_form())
        ids = queries.queue_ids(
            db_session(), current_org_id(), filters, limit=transitions.MAX_BULK + 1
        )
        if len(ids) > transitions.MAX_BULK:
            raise ValidationError(
                _(
                    "More than %(n)d requests match: narrow the filter, or choose them page "
                    "by page.",
                    n=transitions.MAX_BULK,
                )
            )
        return ids
    return [int(v) for v in request.form.getlist("request_ids") if v.isdigit()]
