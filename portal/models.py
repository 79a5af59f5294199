"""Every table of the Portal, imported in one place for migrations and tests."""

from portal.accounts.models import Brand, LoginThrottle, Organisation, PasswordLink, User, Wmi
from portal.audit.models import AuditEntry
from portal.db import Base
from portal.letters.job_models import IssueJob, IssueJobItem
from portal.letters.key_models import PortalAuthority, SealKey, SigningCertificate
from portal.letters.models import Letter, LetterCounter, LetterOutlet, LetterSettings
from portal.outlets.models import Outlet, OutletImport, OutletVersion
from portal.requests.models import LetterRequest, RequestBatch, RequestEvent
from portal.revocations.models import AuthoritySealKey, SignedRevocationList
from portal.verification.models import VerificationScan

__all__ = [
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
    "User",
    "VerificationScan",
    "Wmi",
]
