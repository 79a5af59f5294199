"""When an exported used car needs a manufacturer's After-Sales Service Confirmation.

Notice MOFCOM [2025] No. 648, point (I): from 1 January 2026, for a vehicle whose export licence
application is made within 180 days (inclusive) of its registration date, the exporter must add
a confirmation of after-sales service issued by the vehicle's manufacturer.

Point (II) asks for the registration date and the date of the transfer registration awaiting
export on the licence appendix, as on the Motor Vehicle Registration Certificate. The transfer
date is therefore checked for consistency here, but it does not change whether a confirmation
is required: the notice counts the days from the registration date only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

RULE_EFFECTIVE = date(2026, 1, 1)
WINDOW_DAYS = 180


class RequirementReason(StrEnum):
    """Why a confirmation is, or is not, required."""

    WITHIN_WINDOW = "within_window"
    OUTSIDE_WINDOW = "outside_window"
    BEFORE_RULE = "before_rule"


class ExportDateErrorCode(StrEnum):
    """Why a set of vehicle dates was refused."""

    APPLICATION_BEFORE_REGISTRATION = "application_before_registration"
    TRANSFER_BEFORE_REGISTRATION = "transfer_before_registration"
    IN_FUTURE = "in_future"


class ExportDateError(ValueError):
    """Vehicle dates that cannot be right, with a machine code and an English message.

    `field` names the date at fault (registration_date, transfer_registration_date or
    application_date) so that a form or a CSV import can point at it.
    """

    def __init__(self, code: ExportDateErrorCode, message: str, *, field: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Requirement:
    """Whether a manufacturer's confirmation is required, and why."""

    required: bool
    reason: RequirementReason
    days_since_registration: int
    last_day_requiring: date
    explanation: str


def confirmation_requirement(
    *,
    registration_date: date,
    application_date: date,
    transfer_registration_date: date | None = None,
) -> Requirement:
    """Return whether an export licence application on this date needs a confirmation.

    Raises `ExportDateError` if the application or the transfer registration is dated before
    the registration.
    """
    _require_date(registration_date, "registration_date")
    _require_date(application_date, "application_date")
    _check_transfer(registration_date, transfer_registration_date)
    if application_date < registration_date:
        raise ExportDateError(
            ExportDateErrorCode.APPLICATION_BEFORE_REGISTRATION,
            f"The export licence application ({application_date.isoformat()}) cannot be "
            f"dated before the vehicle's registration ({registration_date.isoformat()}).",
            field="application_date",
        )
    days = (application_date - registration_date).days
    last_day = registration_date + timedelta(days=WINDOW_DAYS)
    reason = _reason(application_date, days)
    return Requirement(
        required=reason is RequirementReason.WITHIN_WINDOW,
        reason=reason,
        days_since_registration=days,
        last_day_requiring=last_day,
        explanation=_explanation(reason, registration_date, application_date, days, last_day),
    )


def check_vehicle_dates(
    *,
    registration_date: date,
    transfer_registration_date: date | None,
    today: date,
) -> None:
    """Return nothing if a vehicle's dates are possible; raise `ExportDateError` otherwise.

    Forms and CSV imports call this: no date may lie after `today`, and the transfer
    registration awaiting export may not precede the registration.
    """
    _require_date(registration_date, "registration_date")
    _require_date(today, "today")
    _check_not_future(registration_date, today, "registration_date", "registration")
    if transfer_registration_date is not None:
        _check_not_future(
            transfer_registration_date, today, "transfer_registration_date", "transfer registration"
        )
    _check_transfer(registration_date, transfer_registration_date)


def _reason(application_date: date, days: int) -> RequirementReason:
    """Return the reason code for an application made `days` after registration."""
    if application_date < RULE_EFFECTIVE:
        return RequirementReason.BEFORE_RULE
    if days <= WINDOW_DAYS:
        return RequirementReason.WITHIN_WINDOW
    return RequirementReason.OUTSIDE_WINDOW


def _explanation(
    reason: RequirementReason, registered: date, applied: date, days: int, last_day: date
) -> str:
    """Return one English sentence stating the dates and the outcome."""
    start = (
        f"Registered on {registered.isoformat()}; an application on {applied.isoformat()} "
        f"is {_days_after(days)}"
    )
    if reason is RequirementReason.WITHIN_WINDOW:
        return (
            f"{start}, within the {WINDOW_DAYS}-day window (inclusive): "
            "a manufacturer's confirmation is required."
        )
    if reason is RequirementReason.OUTSIDE_WINDOW:
        return (
            f"{start}, outside the {WINDOW_DAYS}-day window, which ended on "
            f"{last_day.isoformat()}: no manufacturer's confirmation is required."
        )
    return (
        f"{start}, but before the rule took effect on {RULE_EFFECTIVE.isoformat()}: "
        "no manufacturer's confirmation is required."
    )


def _days_after(days: int) -> str:
    """Return 'N days after registration', singular for one day."""
    if days == 1:
        return "1 day after registration"
    return f"{days} days after registration"


def _check_transfer(registration_date: date, transfer_registration_date: date | None) -> None:
    """Return nothing unless the transfer registration precedes the registration."""
    if transfer_registration_date is None:
        return
    _require_date(transfer_registration_date, "transfer_registration_date")
    if transfer_registration_date >= registration_date:
        return
    raise ExportDateError(
        ExportDateErrorCode.TRANSFER_BEFORE_REGISTRATION,
        f"The transfer registration awaiting export ({transfer_registration_date.isoformat()}) "
        f"cannot be dated before the vehicle's registration ({registration_date.isoformat()}).",
        field="transfer_registration_date",
    )


def _check_not_future(value: date, today: date, field: str, label: str) -> None:
    """Return nothing unless `value` lies after `today`."""
    if value <= today:
        return
    raise ExportDateError(
        ExportDateErrorCode.IN_FUTURE,
        f"The {label} date ({value.isoformat()}) is in the future (today is {today.isoformat()}).",
        field=field,
    )


def _require_date(value: object, name: str) -> None:
    """Return nothing if `value` is a calendar date; raise TypeError otherwise."""
    # A datetime is a date subclass, but subtracting one from a date fails, and a time of day
    # has no meaning for registration certificates.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime.date, not {type(value).__name__}")
