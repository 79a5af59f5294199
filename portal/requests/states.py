"""The life of a letter request: which action moves it from which status, and who may act.

A pure module (no Flask, no database): the service asks it before every change, so no view,
form or crafted POST can move a request along a path that is not listed here.

    draft ──submit──> submitted ──approve──> approved ──issue──> issued
      │                  │  └──────reject──> rejected
      └──withdraw──┬─────┘
                   └──> withdrawn

Exporters edit, submit and withdraw their own requests; a manufacturer's administrators and
issuers approve, reject and (with the letters) issue. Viewers only read. Roles are compared by
their string values, so `portal.accounts.roles.Role` members work as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RequestStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    ISSUED = "issued"


class RequestAction(StrEnum):
    EDIT = "edit"
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    APPROVE = "approve"
    REJECT = "reject"
    ISSUE = "issue"


EXPORTER_ROLES = frozenset({"exporter_admin", "exporter_user"})
DECIDING_ROLES = frozenset({"manufacturer_admin", "manufacturer_issuer"})

# Statuses a request never leaves.
FINAL_STATUSES = frozenset({RequestStatus.REJECTED, RequestStatus.WITHDRAWN, RequestStatus.ISSUED})


@dataclass(frozen=True)
class Transition:
    """An action: the statuses it starts from, the status it leads to, the roles that may act."""

    sources: frozenset[RequestStatus]
    target: RequestStatus
    roles: frozenset[str]


TRANSITIONS: dict[RequestAction, Transition] = {
    # Editing keeps a draft a draft; it is listed so that "edit only in draft" is decided here.
    RequestAction.EDIT: Transition(
        frozenset({RequestStatus.DRAFT}), RequestStatus.DRAFT, EXPORTER_ROLES
    ),
    RequestAction.SUBMIT: Transition(
        frozenset({RequestStatus.DRAFT}), RequestStatus.SUBMITTED, EXPORTER_ROLES
    ),
    RequestAction.WITHDRAW: Transition(
        frozenset({RequestStatus.DRAFT, RequestStatus.SUBMITTED}),
        RequestStatus.WITHDRAWN,
        EXPORTER_ROLES,
    ),
    RequestAction.APPROVE: Transition(
        frozenset({RequestStatus.SUBMITTED}), RequestStatus.APPROVED, DECIDING_ROLES
    ),
    RequestAction.REJECT: Transition(
        frozenset({RequestStatus.SUBMITTED}), RequestStatus.REJECTED, DECIDING_ROLES
    ),
    RequestAction.ISSUE: Transition(
        frozenset({RequestStatus.APPROVED}), RequestStatus.ISSUED, DECIDING_ROLES
    ),
}


class RefusalCode(StrEnum):
    """Why an action was refused."""

    ROLE = "role"
    STATUS = "status"


class TransitionRefused(ValueError):
    """An action this role may not take, or not from this status."""

    def __init__(
        self, code: RefusalCode, *, action: RequestAction, status: RequestStatus, role: str
    ) -> None:
        what = "this role may not" if code is RefusalCode.ROLE else "a request in this status"
        super().__init__(f"{action.value} refused for {role} on a {status.value} request ({what})")
        self.code = code
        self.action = action
        self.status = status
        self.role = role


def next_status(status: RequestStatus, action: RequestAction, role: str) -> RequestStatus:
    """Return the status the action leads to, or raise `TransitionRefused`."""
    transition = TRANSITIONS[action]
    if str(role) not in transition.roles:
        raise TransitionRefused(RefusalCode.ROLE, action=action, status=status, role=str(role))
    if status not in transition.sources:
        raise TransitionRefused(RefusalCode.STATUS, action=action, status=status, role=str(role))
    return transition.target


def may(status: RequestStatus, action: RequestAction, role: str) -> bool:
    """Return whether a person with this role may take the action on a request in this status."""
    transition = TRANSITIONS[action]
    return str(role) in transition.roles and status in transition.sources


def actions_for(status: RequestStatus, role: str) -> tuple[RequestAction, ...]:
    """Return the actions this role may take on a request in this status, in table order."""
    return tuple(action for action in TRANSITIONS if may(status, action, role))
