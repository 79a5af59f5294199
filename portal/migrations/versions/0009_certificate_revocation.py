"""Signing certificates revoked for key compromise

Revision ID: 0009_certificate_revocation
Revises: 0008_notifications
Create Date: 2026-12-02 13:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import portal.db

revision = "0009_certificate_revocation"
down_revision = "0008_notifications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("signing_certificate") as batch:
        batch.add_column(sa.Column("revoked_at", portal.db.UTCDateTime(timezone=True)))
        batch.add_column(sa.Column("invalid_since", portal.db.UTCDateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("signing_certificate") as batch:
        batch.drop_column("invalid_since")
        batch.drop_column("revoked_at")
