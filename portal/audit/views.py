"""The audit trail in the browser: an organisation's administrators browse, filter and export
their organisation's entries; the platform administrator sees every organisation's."""

from __future__ import annotations

import csv
import io
import json
from itertools import islice

from flask import Blueprint, Response, render_template, request
from flask_login import current_user

from portal.accounts.access import current_org_id
from portal.accounts.roles import ORG_ADMINS, Role
from portal.audit.integrity import check_chain
from portal.audit.lifecycle import inconsistent_letters
from portal.audit.models import AuditEntry
from portal.audit.queries import AuditFilter, choices, parse_filter, trail
from portal.db import db_session, utcnow
from portal.outlets.csv_io import neutralise
from portal.security import allow

bp = Blueprint("audit", __name__, url_prefix="/audit")

PAGE_SIZE = 50
MAX_LETTERS_SHOWN = 100
EXPORT_COLUMNS = (
    "seq",
    "at_utc",
    "organisation",
    "actor_email",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "details",
    "entry_hash",
)


def _scope() -> int | None:
    # The operator's administrator oversees the platform; everyone else sees their own.
    return None if current_user.role is Role.PLATFORM_ADMIN else current_org_id()


@bp.route("")
@allow(Role.PLATFORM_ADMIN, *ORG_ADMINS)
def trail_page() -> str:
    filters, errors = parse_filter(request.args)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    session, scope = db_session(), _scope()
    rows = session.execute(
        trail(scope, filters).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
    ).all()
    actions, object_types = choices(session, scope)
    return render_template(
        "audit/trail.html",
        rows=rows[:PAGE_SIZE],
        more=len(rows) > PAGE_SIZE,
        page=page,
        filters=filters,
        errors=errors,
        actions=actions,
        object_types=object_types,
        all_organisations=scope is None,
        query_args=_query_args(filters),
        details_text=details_text,
    )


@bp.route("/integrity")
@allow(Role.PLATFORM_ADMIN)
def integrity() -> str:
    session = db_session()
    report = check_chain(session)
    edited = list(islice(inconsistent_letters(session), MAX_LETTERS_SHOWN + 1))
    return render_template(
        "audit/integrity.html",
        report=report,
        edited=edited[:MAX_LETTERS_SHOWN],
        more_edited=len(edited) > MAX_LETTERS_SHOWN,
    )


@bp.route("/export.csv")
@allow(Role.PLATFORM_ADMIN, *ORG_ADMINS)
def export() -> Response:
    filters, _errors = parse_filter(request.args)
    out = io.StringIO()
    out.write("\ufeff")  # spreadsheets read UTF-8 only with its byte-order mark
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    result = db_session().execute(trail(_scope(), filters).execution_options(yield_per=1000))
    for entry, actor, org in result:
        writer.writerow([neutralise(str(cell)) for cell in _export_row(entry, actor, org)])
    name = f"audit-trail-{utcnow():%Y%m%d-%H%M%S}.csv"
    return Response(
        out.getvalue().encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def _export_row(entry: AuditEntry, actor, org) -> list[object]:
    return [
        entry.seq if entry.seq is not None else "",
        entry.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        org.name_en if org is not None else "",
        actor.email if actor is not None else "",
        actor.name if actor is not None else "",
        entry.action,
        entry.object_type,
        entry.object_id,
        json.dumps(entry.details or {}, ensure_ascii=False, sort_keys=True),
        entry.entry_hash or "",
    ]


def details_text(entry: AuditEntry) -> str:
    """Returns the entry's details as short "name: value" pairs."""
    parts = []
    for key, value in sorted((entry.details or {}).items()):
        if value in (None, "", [], {}):
            continue
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        parts.append(f"{key}: {shown}")
    return "; ".join(parts)


def _query_args(filters: AuditFilter) -> dict[str, str]:
    return {
        "actor": filters.actor,
        "action": filters.action,
        "object_type": filters.object_type,
        "object_id": filters.object_id,
        "since": filters.since.isoformat() if filters.since else "",
        "until": filters.until.isoformat() if filters.until else "",
    }
