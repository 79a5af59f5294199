"""The 180-day rule's answer in the person's language: a short label for lists, a sentence for
the detail page. The rule itself is decided in portal.vehicles.export_rule."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext

from portal.vehicles.export_rule import RULE_EFFECTIVE, WINDOW_DAYS, Requirement, RequirementReason


def requirement_label(requirement: Requirement) -> str:
    """Return 'Letter required' or 'Not required', with the day count."""
    days = requirement.days_since_registration
    if requirement.required:
        return _("Letter required (day %(n)d of %(w)d)", n=days, w=WINDOW_DAYS)
    if requirement.reason is RequirementReason.BEFORE_RULE:
        return _("Not required (before %(d)s)", d=RULE_EFFECTIVE.isoformat())
    return _("Not required (day %(n)d)", n=days)


def requirement_sentence(requirement: Requirement, registered: date, applied: date) -> str:
    """Return one sentence stating the dates, the count and the outcome."""
    values = {
        "reg": registered.isoformat(),
        "app": applied.isoformat(),
        "days": ngettext(
            "%(num)d day after registration",
            "%(num)d days after registration",
            requirement.days_since_registration,
        ),
        "w": WINDOW_DAYS,
    }
    if requirement.reason is RequirementReason.WITHIN_WINDOW:
        return _(
            "Registered on %(reg)s; an export licence application on %(app)s is %(days)s, "
            "within the %(w)d-day window (inclusive), so the licence needs the manufacturer's "
            "After-Sales Service Confirmation (notice MOFCOM [2025] No. 648).",
            **values,
        )
    if requirement.reason is RequirementReason.OUTSIDE_WINDOW:
        return _(
            "Registered on %(reg)s; an export licence application on %(app)s is %(days)s, "
            "outside the %(w)d-day window, which ended on %(last)s: no confirmation is "
            "required. The Portal still lets you request one.",
            last=requirement.last_day_requiring.isoformat(),
            **values,
        )
    return _(
        "Registered on %(reg)s; an export licence application on %(app)s is %(days)s, but "
        "before the rule took effect on %(d)s: no confirmation is required.",
        d=RULE_EFFECTIVE.isoformat(),
        **values,
    )
