"""Fixtures for the audit trail: issued letters, and the audit-verify command's answer."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from portal.letters.lifecycle.issuance import issue_letter
from portal.letters.lifecycle.models import Letter
from tests.letters.conftest import Issuing


@pytest.fixture
def issuing(app, make, tmp_path) -> Issuing:
    return Issuing(app, make, tmp_path)


@pytest.fixture
def issue(issuing: Issuing, session) -> Callable[..., Letter]:
    """Returns a function issuing a letter, committed (its audit entries sealed)."""

    def issue_one(**fields) -> Letter:
        letter = issue_letter(session, issuing.order(**fields), issuing.context())
        session.commit()
        return letter

    return issue_one


@pytest.fixture
def audit_verify(runner):
    """Returns a function running `flask audit-verify`: (exit code, everything it printed)."""

    def run() -> tuple[int, str]:
        result = runner.invoke(args=["audit-verify"])
        return result.exit_code, result.output

    return run
