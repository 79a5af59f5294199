"""The scan log as manufacturers see it: which of their letters were verified, how often,
and which are verified unusually often (a sign of copies in circulation)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_babel import lazy_gettext as _l

from portal.accounts.access import current_org
from portal.accounts.roles import MANUFACTURER_ROLES
from portal.db import db_session, utcnow
from portal.security import allow
from portal.verification.labels import VERDICT_TITLES, reason_text
from portal.verification.models import Channel
from portal.verification.scans import FlagRule, most_verified, refused_in_name_of
from portal.verification.service import Verdict

bp = Blueprint("scans", __name__, url_prefix="/verifications")

CHANNEL_NAMES = {
    Channel.QR: _l("QR code"),
    Channel.CODE: _l("number and code"),
    Channel.PDF: _l("PDF upload"),
    Channel.API: _l("API"),
}


def flag_rule() -> FlagRule:
    """Returns the configured rule for flagging letters verified unusually often."""
    config = current_app.config
    return FlagRule(count=config["VERIFICATION_FLAG_COUNT"], days=config["VERIFICATION_FLAG_DAYS"])


@bp.route("")
@allow(*MANUFACTURER_ROLES)
def overview() -> str:
    rule = flag_rule()
    session, org_id, now = db_session(), current_org().id, utcnow()
    rows = most_verified(session, org_id, now=now, rule=rule)
    refused_count, refused = refused_in_name_of(session, org_id, now=now, rule=rule)
    return render_template(
        "verification/log.html",
        rows=rows,
        rule=rule,
        refused_count=refused_count,
        refused=refused,
        reason_text=reason_text,
    )


@bp.app_template_global()
def channel_label(channel: Channel) -> str:
    """Returns how a verification came in, in the current language."""
    return str(CHANNEL_NAMES[Channel(channel)])


@bp.app_template_global()
def verdict_label(verdict: str) -> str:
    """Returns a recorded verdict in the current language."""
    return str(VERDICT_TITLES[Verdict(verdict)])
