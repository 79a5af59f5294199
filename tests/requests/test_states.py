"""The request state machine, pure: every (status, action, role) is allowed or refused."""

from __future__ import annotations

import itertools

import pytest

from portal.accounts.roles import Role
from portal.requests.states import (
    FINAL_STATUSES,
    RefusalCode,
    RequestAction,
    RequestStatus,
    TransitionRefused,
    actions_for,
    may,
    next_status,
)

S, A = RequestStatus, RequestAction
EXPORTERS = {Role.EXPORTER_ADMIN, Role.EXPORTER_USER}
DECIDERS = {Role.MANUFACTURER_ADMIN, Role.MANUFACTURER_ISSUER}

# Written out by hand from the issue, independently of states.TRANSITIONS:
# (status, action) -> (status after, roles that may act). Anything absent is refused.
ALLOWED = {
    (S.DRAFT, A.EDIT): (S.DRAFT, EXPORTERS),
    (S.DRAFT, A.SUBMIT): (S.SUBMITTED, EXPORTERS),
    (S.DRAFT, A.WITHDRAW): (S.WITHDRAWN, EXPORTERS),
    (S.SUBMITTED, A.WITHDRAW): (S.WITHDRAWN, EXPORTERS),
    (S.SUBMITTED, A.APPROVE): (S.APPROVED, DECIDERS),
    (S.SUBMITTED, A.REJECT): (S.REJECTED, DECIDERS),
    (S.APPROVED, A.ISSUE): (S.ISSUED, DECIDERS),
}

EVERY_CASE = list(itertools.product(RequestStatus, RequestAction, Role))


def test_every_case_is_covered() -> None:
    assert len(EVERY_CASE) == 6 * 6 * 6


@pytest.mark.parametrize(("status", "action", "role"), EVERY_CASE)
def test_each_status_action_role(status: S, action: A, role: Role) -> None:
    expected = ALLOWED.get((status, action))
    if expected is not None and role in expected[1]:
        assert may(status, action, role)
        assert next_status(status, action, role) is expected[0]
        assert action in actions_for(status, role)
        return
    assert not may(status, action, role)
    assert action not in actions_for(status, role)
    with pytest.raises(TransitionRefused) as refused:
        next_status(status, action, role)
    # A role that may never take the action is told so before the status is looked at.
    role_may_ever = any(role in roles for (_s, a), (_t, roles) in ALLOWED.items() if a is action)
    expected_code = RefusalCode.STATUS if role_may_ever else RefusalCode.ROLE
    assert refused.value.code is expected_code


@pytest.mark.parametrize("status", sorted(FINAL_STATUSES))
def test_final_statuses_offer_no_action_to_anybody(status: S) -> None:
    assert all(actions_for(status, role) == () for role in Role)


@pytest.mark.parametrize("role", [Role.MANUFACTURER_VIEWER, Role.PLATFORM_ADMIN])
def test_readers_and_the_platform_admin_never_act(role: Role) -> None:
    assert all(actions_for(status, role) == () for status in RequestStatus)


def test_plain_strings_work_as_roles() -> None:
    assert next_status(S.DRAFT, A.SUBMIT, "exporter_user") is S.SUBMITTED
    assert not may(S.SUBMITTED, A.APPROVE, "exporter_admin")


def test_withdrawn_cannot_be_submitted_again() -> None:
    with pytest.raises(TransitionRefused) as refused:
        next_status(S.WITHDRAWN, A.SUBMIT, Role.EXPORTER_ADMIN)
    assert refused.value.code is RefusalCode.STATUS
    assert refused.value.status is S.WITHDRAWN
