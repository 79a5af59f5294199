"""The authority's revocation-list key and the signed revocation lists

Revision ID: 0012_trust_token
Revises: 0011_two_factor
Create Date: 2026-12-02 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import portal.db

revision = "0012_trust_token"
down_revision = "0011_two_factor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "authority_seal_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("sealed_private_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("retired_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("compromised_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authority_seal_key")),
        sa.UniqueConstraint("kid", name=op.f("uq_authority_seal_key_kid")),
    )
    op.create_table(
        "revocation_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issued_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_update", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kid", sa.String(length=16), nullable=False),
        sa.Column("revoked_count", sa.Integer(), nullable=False),
        sa.Column("superseded_count", sa.Integer(), nullable=False),
        sa.Column("signed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revocation_list")),
    )
    with op.batch_alter_table("revocation_list", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_revocation_list_issued_at"), ["issued_at"])


def downgrade() -> None:
    with op.batch_alter_table("revocation_list", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revocation_list_issued_at"))
    op.drop_table("revocation_list")
    op.drop_table("authority_seal_key")
