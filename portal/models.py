"""Every table of the Portal, imported in one place for migrations and tests."""

from portal.accounts.models import Brand, LoginThrottle, Organisation, PasswordLink, User, Wmi
from portal.audit.models import AuditEntry
from portal.db import Base
from portal.outlets.models import Outlet, OutletImport, OutletVersion
from portal.requests.models import LetterRequest, RequestBatch, RequestEvent

__all__ = [
    "AuditEntry",
    "Base",
    "Brand",
    "LetterRequest",
    "LoginThrottle",
    "Organisation",
    "Outlet",
    "OutletImport",
    "OutletVersion",
    "PasswordLink",
    "RequestBatch",
    "RequestEvent",
    "User",
    "Wmi",
]
