"""Looking organisations up by what people type."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.accounts.models import Organisation
from portal.errors import NotFound


def organisation_by_reference(session: Session, reference: str) -> Organisation:
    """Returns the organisation with this id, USCC or short code, or raises NotFound."""
    ref = reference.strip()
    condition = sa.or_(Organisation.uscc == ref.upper(), Organisation.short_code == ref.upper())
    if ref.isdigit():
        condition = sa.or_(condition, Organisation.id == int(ref))
    org = session.scalar(sa.select(Organisation).where(condition))
    if org is None:
        raise NotFound(f"No organisation has the id, USCC or short code {ref!r}.")
    return org
