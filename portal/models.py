"""Every table of the Portal, imported in one place for migrations and tests."""

from portal.accounts.models import Brand, LoginThrottle, Organisation, PasswordLink, User, Wmi
from portal.audit.models import AuditChainHead, AuditEntry
from portal.db import Base
from portal.letters.batches.models import IssueJob, IssueJobItem
from portal.letters.keys.models import PortalAuthority, SealKey, SigningCertificate
from portal.letters.lifecycle.models import Letter, LetterCounter, LetterOutlet, LetterSettings
from portal.notifications.models import Notification, NotificationCursor
from portal.outlets.models import Outlet, OutletImport, OutletVersion
from portal.requests.models import LetterRequest, RequestBatch, RequestEvent
from portal.revocations.models import AuthoritySealKey, SignedRevocationList
from portal.storage import StoredFile
from portal.verification.models import ApiKey, VerificationScan

__all__ = [
    "ApiKey",
    "AuditChainHead",
    "AuditEntry",
    "AuthoritySealKey",
    "Base",
    "Brand",
    "IssueJob",
    "IssueJobItem",
    "Letter",
    "LetterCounter",
    "LetterOutlet",
    "LetterRequest",
    "LetterSettings",
    "LoginThrottle",
    "Notification",
    "NotificationCursor",
    "Organisation",
    "Outlet",
    "OutletImport",
    "OutletVersion",
    "PasswordLink",
    "PortalAuthority",
    "RequestBatch",
    "RequestEvent",
    "SealKey",
    "SignedRevocationList",
    "SigningCertificate",
    "StoredFile",
    "User",
    "VerificationScan",
    "Wmi",
]
