"""Tests for portal.vehicles.export_rule: the 180-day rule of Notice MOFCOM [2025] No. 648."""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.vehicles.export_rule import (
    RULE_EFFECTIVE,
    WINDOW_DAYS,
    ExportDateError,
    ExportDateErrorCode,
    Requirement,
    RequirementReason,
    check_vehicle_dates,
    confirmation_requirement,
)

REGISTERED = date(2026, 3, 1)


def requirement(registered: date, applied: date) -> Requirement:
    """Return the requirement for an application on `applied` for a car registered `registered`."""
    return confirmation_requirement(registration_date=registered, application_date=applied)


def test_constants_are_those_of_the_notice() -> None:
    notice = {"effective": date(2026, 1, 1), "window": 180}
    assert notice == {"effective": RULE_EFFECTIVE, "window": WINDOW_DAYS}


@pytest.mark.parametrize(
    ("days", "required", "reason"),
    [
        (0, True, RequirementReason.WITHIN_WINDOW),
        (1, True, RequirementReason.WITHIN_WINDOW),
        (179, True, RequirementReason.WITHIN_WINDOW),
        (180, True, RequirementReason.WITHIN_WINDOW),
        (181, False, RequirementReason.OUTSIDE_WINDOW),
        (365, False, RequirementReason.OUTSIDE_WINDOW),
    ],
)
def test_window_boundaries(days: int, required: bool, reason: RequirementReason) -> None:
    result = requirement(REGISTERED, REGISTERED + timedelta(days=days))
    assert result.required is required
    assert result.reason is reason
    assert result.days_since_registration == days
    assert result.last_day_requiring == date(2026, 8, 28)


def test_explanation_within_window_reads_as_one_sentence() -> None:
    result = requirement(REGISTERED, date(2026, 8, 28))
    assert result.explanation == (
        "Registered on 2026-03-01; an application on 2026-08-28 is 180 days after "
        "registration, within the 180-day window (inclusive): a manufacturer's confirmation "
        "is required."
    )


def test_explanation_outside_window_names_the_last_day() -> None:
    result = requirement(REGISTERED, date(2026, 8, 29))
    assert result.explanation == (
        "Registered on 2026-03-01; an application on 2026-08-29 is 181 days after "
        "registration, outside the 180-day window, which ended on 2026-08-28: no "
        "manufacturer's confirmation is required."
    )


def test_explanation_before_rule_names_the_effective_date() -> None:
    result = requirement(date(2025, 12, 30), date(2025, 12, 31))
    assert result.explanation == (
        "Registered on 2025-12-30; an application on 2025-12-31 is 1 day after registration, "
        "but before the rule took effect on 2026-01-01: no manufacturer's confirmation is "
        "required."
    )


def test_explanation_on_the_day_of_registration() -> None:
    result = requirement(REGISTERED, REGISTERED)
    assert "an application on 2026-03-01 is 0 days after registration" in result.explanation


def test_leap_year_day_180_falls_on_28_february() -> None:
    registered = date(2027, 9, 1)
    assert requirement(registered, date(2028, 2, 28)).days_since_registration == 180
    assert requirement(registered, date(2028, 2, 28)).required
    assert requirement(registered, date(2028, 2, 28)).last_day_requiring == date(2028, 2, 28)
    assert not requirement(registered, date(2028, 2, 29)).required


def test_window_spanning_29_february_is_one_calendar_day_shorter() -> None:
    # December 2027 to May 2028 includes 29 February 2028, so day 180 is 29 May, not 30 May.
    registered = date(2027, 12, 1)
    last = requirement(registered, date(2028, 5, 29))
    assert last.last_day_requiring == date(2028, 5, 29)
    assert (last.required, last.days_since_registration) == (True, 180)
    after = requirement(registered, date(2028, 5, 30))
    assert (after.required, after.days_since_registration) == (False, 181)
    assert requirement(registered, date(2028, 2, 29)).required


def test_application_the_day_before_the_rule_is_not_covered() -> None:
    registered = date(2025, 10, 1)
    before = requirement(registered, date(2025, 12, 31))
    assert before.required is False
    assert before.reason is RequirementReason.BEFORE_RULE
    assert before.days_since_registration == 91
    on = requirement(registered, date(2026, 1, 1))
    assert on.required is True
    assert on.reason is RequirementReason.WITHIN_WINDOW
    assert on.days_since_registration == 92


def test_rule_applies_to_cars_registered_before_it() -> None:
    # Registered in 2025: the window still reaches into 2026 for 180 days after registration.
    assert requirement(date(2025, 7, 5), date(2026, 1, 1)).required
    late = requirement(date(2025, 7, 4), date(2026, 1, 1))
    assert (late.required, late.reason) == (False, RequirementReason.OUTSIDE_WINDOW)


def test_old_application_outside_window_is_still_before_rule() -> None:
    result = requirement(date(2024, 1, 1), date(2025, 6, 1))
    assert (result.required, result.reason) == (False, RequirementReason.BEFORE_RULE)


def test_application_before_registration_is_an_error() -> None:
    with pytest.raises(ExportDateError) as caught:
        requirement(REGISTERED, date(2026, 2, 28))
    error = caught.value
    assert error.code is ExportDateErrorCode.APPLICATION_BEFORE_REGISTRATION
    assert error.field == "application_date"
    assert "2026-02-28" in error.message
    assert "2026-03-01" in error.message


def test_transfer_before_registration_is_an_error() -> None:
    with pytest.raises(ExportDateError) as caught:
        confirmation_requirement(
            registration_date=REGISTERED,
            application_date=date(2026, 4, 1),
            transfer_registration_date=date(2026, 2, 1),
        )
    error = caught.value
    assert error.code is ExportDateErrorCode.TRANSFER_BEFORE_REGISTRATION
    assert error.field == "transfer_registration_date"
    assert "2026-02-01" in error.message


def test_transfer_date_does_not_change_the_outcome() -> None:
    for transfer in (None, REGISTERED, date(2026, 8, 1)):
        result = confirmation_requirement(
            registration_date=REGISTERED,
            application_date=date(2026, 8, 28),
            transfer_registration_date=transfer,
        )
        assert result.required


def test_requirement_is_frozen() -> None:
    result = requirement(REGISTERED, REGISTERED)
    with pytest.raises(AttributeError):
        result.required = False  # type: ignore[misc]


def test_datetimes_are_refused() -> None:
    with pytest.raises(TypeError):
        confirmation_requirement(
            registration_date=datetime(2026, 3, 1, 12, 0),
            application_date=date(2026, 4, 1),
        )


TODAY = date(2026, 5, 10)


@pytest.mark.parametrize("transfer", [None, REGISTERED, date(2026, 4, 2), TODAY])
def test_possible_vehicle_dates_pass(transfer: date | None) -> None:
    check_vehicle_dates(
        registration_date=REGISTERED, transfer_registration_date=transfer, today=TODAY
    )
    check_vehicle_dates(registration_date=TODAY, transfer_registration_date=None, today=TODAY)


def test_registration_in_the_future_is_refused() -> None:
    with pytest.raises(ExportDateError) as caught:
        check_vehicle_dates(
            registration_date=date(2026, 5, 11), transfer_registration_date=None, today=TODAY
        )
    error = caught.value
    assert error.code is ExportDateErrorCode.IN_FUTURE
    assert error.field == "registration_date"
    assert "2026-05-11" in error.message
    assert "2026-05-10" in error.message


def test_transfer_in_the_future_is_refused() -> None:
    with pytest.raises(ExportDateError) as caught:
        check_vehicle_dates(
            registration_date=REGISTERED,
            transfer_registration_date=date(2026, 6, 1),
            today=TODAY,
        )
    assert caught.value.code is ExportDateErrorCode.IN_FUTURE
    assert caught.value.field == "transfer_registration_date"


def test_transfer_before_registration_is_refused_by_the_form_check() -> None:
    with pytest.raises(ExportDateError) as caught:
        check_vehicle_dates(
            registration_date=REGISTERED,
            transfer_registration_date=date(2026, 2, 27),
            today=TODAY,
        )
    assert caught.value.code is ExportDateErrorCode.TRANSFER_BEFORE_REGISTRATION


def test_export_date_error_is_a_value_error() -> None:
    assert issubclass(ExportDateError, ValueError)


@given(
    registered=st.dates(min_value=date(2023, 1, 1), max_value=date(2030, 12, 31)),
    offset=st.integers(min_value=0, max_value=1000),
)
def test_agrees_with_an_independent_formulation(registered: date, offset: int) -> None:
    applied = registered + timedelta(days=offset)
    result = requirement(registered, applied)
    in_window = applied <= registered + timedelta(days=180)
    assert result.required == (applied >= date(2026, 1, 1) and in_window)
    assert result.days_since_registration == offset
    assert result.last_day_requiring == registered + timedelta(days=180)
    assert registered.isoformat() in result.explanation
    assert applied.isoformat() in result.explanation
    if applied < date(2026, 1, 1):
        assert result.reason is RequirementReason.BEFORE_RULE
    else:
        expected = "within_window" if in_window else "outside_window"
        assert result.reason == expected


@given(
    registered=st.dates(min_value=date(2023, 1, 1), max_value=date(2030, 12, 31)),
    days_before=st.integers(min_value=1, max_value=1000),
)
def test_any_application_before_registration_is_refused(registered: date, days_before: int) -> None:
    with pytest.raises(ExportDateError) as caught:
        requirement(registered, registered - timedelta(days=days_before))
    assert caught.value.code is ExportDateErrorCode.APPLICATION_BEFORE_REGISTRATION
