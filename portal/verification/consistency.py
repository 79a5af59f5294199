"""Whether the register's stored status of a letter can be believed.

The status column is what the verification reads; the letter's lifecycle record (issuance,
revocation, supersession, as the audit trail keeps them) is what it must agree with. A status
edited behind the Portal's back disagrees with that record, and the verdict becomes
REGISTER_INCONSISTENT, never VALID.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from portal.letters.lifecycle.models import Letter


def letter_status_consistent(session: Session, letter: Letter) -> bool:
    """Returns True when the letter's stored status agrees with its lifecycle record.

    This is the one place the verification asks; the audit trail's check of a letter's
    lifecycle answers here. Without a lifecycle record to compare with, the stored status
    stands.
    """
    return True
