"""Uploaded outlet files waiting between their preview and their application.

The checked rows stay on the server (table outlet_import), bound to the organisation and the
user who uploaded them, for an hour; the browser only carries a random token. Applying compares
them with the directory again, not the fields: those were checked at the upload.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.accounts.models import Organisation, User
from portal.db import utcnow
from portal.errors import Conflict, NotFound
from portal.outlets.import_writes import apply_plan
from portal.outlets.importing import CREATE, UPDATE, ImportPlan, ParsedRow, classify
from portal.outlets.models import OutletImport
from portal.outlets.values import values_from_json, values_to_json

VALID_FOR = timedelta(hours=1)
SHOWN_ROWS = 500  # per action on the preview page; the counts cover everything


class PlanChanged(Conflict):
    """The directory or the brands changed since the preview: the user must look again."""


def summary(plan: ImportPlan) -> dict:
    """Returns what the preview page shows: counts and the first rows of each action."""
    return {
        "counts": plan.counts(),
        CREATE: [[r.number, r.code, r.values.country] for r in plan.of(CREATE)[:SHOWN_ROWS]],
        UPDATE: [[r.number, r.code, r.changed] for r in plan.of(UPDATE)[:SHOWN_ROWS]],
        "problems": [[p.row, p.column, p.message] for p in plan.problems[:SHOWN_ROWS]],
    }


def store_pending(
    session: Session,
    *,
    manufacturer: Organisation,
    user: User,
    filename: str,
    plan: ImportPlan,
) -> OutletImport:
    """Returns the stored upload for a plan without problems; expired uploads are removed."""
    now = utcnow()
    session.execute(sa.delete(OutletImport).where(OutletImport.expires_at < now))
    pending = OutletImport(
        token=secrets.token_urlsafe(32),
        organisation_id=manufacturer.id,
        user_id=user.id,
        filename=filename[:200],
        rows=[[r.number, r.code, values_to_json(r.values)] for r in plan.parsed],
        plan_digest=plan.digest(),
        summary=summary(plan),
        created_at=now,
        expires_at=now + VALID_FOR,
    )
    session.add(pending)
    session.flush()
    return pending


def pending_import(
    session: Session, *, token: str, manufacturer_id: int, user_id: int
) -> OutletImport:
    """Returns the user's own unexpired upload; anything else is NotFound."""
    pending = session.scalar(
        sa.select(OutletImport).where(
            OutletImport.token == token,
            OutletImport.organisation_id == manufacturer_id,
            OutletImport.user_id == user_id,
            OutletImport.expires_at >= utcnow(),
        )
    )
    if pending is None:
        raise NotFound(
            _("This import preview has expired or was applied already. Upload the file again.")
        )
    return pending


def apply_pending(
    session: Session, pending: OutletImport, *, manufacturer: Organisation, actor: User
) -> dict[str, int]:
    """Applies the upload if its plan is still the one previewed; returns the counts.

    Raises PlanChanged (after storing the new plan for the preview) when it is not.
    """
    parsed = [ParsedRow(number, code, values_from_json(v)) for number, code, v in pending.rows]
    plan = classify(session, manufacturer, parsed, [])
    if plan.problems or plan.digest() != pending.plan_digest:
        pending.plan_digest = plan.digest()
        pending.summary = summary(plan)
        raise PlanChanged(
            _("The directory changed since the preview. Check the new preview and apply again.")
        )
    try:
        with session.begin_nested():
            counts = apply_plan(session, manufacturer, plan, actor=actor)
    except IntegrityError:
        # Another request created one of these outlet codes between the check and the write.
        raise PlanChanged(
            _("The directory changed while importing; nothing was imported. Try again.")
        ) from None
    session.execute(sa.delete(OutletImport).where(OutletImport.id == pending.id))
    return counts
