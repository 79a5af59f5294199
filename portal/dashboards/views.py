"""The home page of each role: its numbers link to the lists they count."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.access import current_org
from portal.accounts.roles import ORG_ADMINS, OrgKind, Role
from portal.clock import today_in_china
from portal.dashboards import queries
from portal.dashboards.charts import Bar, column_chart, row_chart
from portal.db import db_session, utcnow
from portal.letters.lifecycle.models import Letter
from portal.requests.models import STATUS_LABELS, LetterRequest
from portal.requests.states import RequestStatus
from portal.templating import country
from portal.verification.models import VerificationScan
from portal.verification.scans import FlagRule, most_verified, refused_in_name_of


def home_page() -> str:
    """Returns the signed-in user's dashboard."""
    if current_user.role is Role.PLATFORM_ADMIN:
        return _platform()
    if current_org().kind is OrgKind.EXPORTER:
        return _exporter()
    return _manufacturer()


def _week_label(monday) -> str:
    return format_date(monday, "MM-dd")


def _exporter() -> str:
    session, org, today = db_session(), current_org(), today_in_china()
    by_status = queries.requests_by_status(session, LetterRequest.exporter_id, org.id)
    letters = queries.letters_by_standing(session, Letter.exporter_id, org.id, today)
    bars = [
        Bar(str(STATUS_LABELS[s]), n, url_for("requests.list_requests", status=s.value))
        for s, n in by_status.items()
    ]
    return render_template(
        "dashboards/exporter.html",
        org=org,
        RequestStatus=RequestStatus,
        by_status=by_status,
        letters=letters,
        status_chart=row_chart(bars, summary=_("Requests by status")),
    )


def _manufacturer() -> str:
    session, org, today, now = db_session(), current_org(), today_in_china(), utcnow()
    config = current_app.config
    rule = FlagRule(count=config["VERIFICATION_FLAG_COUNT"], days=config["VERIFICATION_FLAG_DAYS"])
    waiting = queries.waiting_by_age(session, org.id, today)
    by_status = queries.requests_by_status(session, LetterRequest.manufacturer_id, org.id)
    letters = queries.letters_by_standing(session, Letter.manufacturer_id, org.id, today)
    issued = queries.per_week(session, Letter.issued_at, (Letter.manufacturer_id == org.id,), today)
    checks = queries.per_week(
        session, VerificationScan.at, (VerificationScan.manufacturer_id == org.id,), today
    )
    since = queries.china_midnight(queries.week_starts(today)[0])
    by_country = queries.verifications_by_country(session, org.id, since)
    flagged = [
        row for row in most_verified(session, org.id, now=now, rule=rule) if row[1] >= rule.count
    ]
    refused, _latest = refused_in_name_of(session, org.id, now=now, rule=rule, limit=1)
    age_labels = {
        "today": _("Today"),
        "days_1_2": _("1–2 days"),
        "days_3_6": _("3–6 days"),
        "week": _("7 days or more"),
    }
    age_bars = [
        Bar(
            str(age_labels[b.key]),
            b.count,
            url_for(
                "review.queue",
                status="submitted",
                submitted_from=b.first_day.isoformat() if b.first_day else None,
                submitted_until=b.last_day.isoformat(),
            ),
        )
        for b in waiting
    ]
    issued_bars = [
        Bar(
            _week_label(monday),
            n,
            url_for("letters.list_letters", week=monday.isoformat()),
            _("Week of %(day)s: %(n)d letter(s)", day=monday.isoformat(), n=n),
        )
        for monday, n in issued
    ]
    check_bars = [
        Bar(
            _week_label(monday),
            n,
            None,
            _("Week of %(day)s: %(n)d check(s)", day=monday.isoformat(), n=n),
        )
        for monday, n in checks
    ]
    country_bars = [Bar(country(c) if c else _("unknown"), n) for c, n in by_country]
    context = {
        "org": org,
        "waiting_total": sum(b.count for b in waiting),
        "approved": by_status[RequestStatus.APPROVED],
        "letters": letters,
        "issued_12": sum(n for _m, n in issued),
        "checks_12": sum(n for _m, n in checks),
        "flagged": len(flagged),
        "refused": refused,
        "rule": rule,
        "age_chart": row_chart(age_bars, summary=_("Requests waiting, by age")),
        "issued_chart": column_chart(
            issued_bars, summary=_("Letters issued per week, last 12 weeks")
        ),
        "checks_chart": column_chart(
            check_bars, summary=_("Verifications per week, last 12 weeks")
        ),
        "country_chart": row_chart(
            country_bars, summary=_("Verifications by country, last 12 weeks")
        )
        if country_bars
        else None,
    }
    if current_user.role in ORG_ADMINS:
        context["coverage"] = queries.coverage(session, org.id, today)
        context["users"] = queries.users_by_role(session, org.id)
    return render_template("dashboards/manufacturer.html", **context)


def _platform() -> str:
    session, now = db_session(), utcnow()
    month_ago = now - timedelta(days=30)
    verdicts_30 = queries.verifications_by_verdict(session, month_ago)
    verdicts_all = queries.verifications_by_verdict(session, None)
    letters_total, letters_30 = queries.letters_issued(session, since=month_ago)
    return render_template(
        "dashboards/platform.html",
        orgs=queries.organisations_by_kind(session),
        letters_total=letters_total,
        letters_30=letters_30,
        checks_total=sum(verdicts_all.values()),
        checks_30=sum(verdicts_30.values()),
        failed_30=verdicts_30.get("not_genuine", 0),
        failed_total=verdicts_all.get("not_genuine", 0),
        verdicts_30=verdicts_30,
    )
