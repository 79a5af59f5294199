"""The 180-day rule's answer as lists and detail pages show it, at its boundaries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.requests.rule_display import requirement_label, requirement_sentence
from portal.vehicles.export_rule import confirmation_requirement

REGISTERED = date(2026, 3, 1)


def _texts(app, registered: date, applied: date) -> tuple[str, str]:
    requirement = confirmation_requirement(registration_date=registered, application_date=applied)
    with app.test_request_context():
        return requirement_label(requirement), requirement_sentence(
            requirement, registered, applied
        )


@pytest.mark.parametrize(
    ("days", "label", "phrase"),
    [
        (0, "Letter required (day 0 of 180)", "0 days after registration, within"),
        (1, "Letter required (day 1 of 180)", "1 day after registration, within"),
        (180, "Letter required (day 180 of 180)", "within the 180-day window (inclusive)"),
        (181, "Not required (day 181)", "outside the 180-day window, which ended on 2026-08-28"),
    ],
)
def test_boundaries(app, days, label, phrase) -> None:
    shown_label, sentence = _texts(app, REGISTERED, REGISTERED + timedelta(days=days))
    assert shown_label == label
    assert phrase in sentence
    assert sentence.startswith("Registered on 2026-03-01;")


def test_before_the_rule_took_effect(app) -> None:
    label, sentence = _texts(app, date(2025, 11, 1), date(2025, 12, 31))
    assert label == "Not required (before 2026-01-01)"
    assert "before the rule took effect on 2026-01-01" in sentence
