"""Files kept in the database

Revision ID: 0006_stored_files
Revises: 0005_verification
Create Date: 2026-12-02 13:33:44.590489
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import portal.db

revision = "0006_stored_files"
down_revision = "0005_verification"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stored_file",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("stored_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_stored_file")),
    )


def downgrade() -> None:
    op.drop_table("stored_file")
