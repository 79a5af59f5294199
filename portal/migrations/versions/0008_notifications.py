"""Notifications and how far each user has read them

Revision ID: 0008_notifications
Revises: 0007_verdicts
Create Date: 2026-12-02 13:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import portal.db

revision = "0008_notifications"
down_revision = "0007_verdicts"
branch_labels = None
depends_on = None

KINDS = ("letter_ready", "request_rejected", "letter_revoked")


def upgrade() -> None:
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*KINDS, name="noticekind", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("letter_id", sa.Integer(), nullable=True),
        sa.Column("vin", sa.String(length=17), nullable=False),
        sa.Column("letter_number", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(
            ["letter_id"], ["letter.id"], name=op.f("fk_notification_letter_id_letter")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_notification_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["letter_request.id"],
            name=op.f("fk_notification_request_id_letter_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notification_organisation_id_id", ["organisation_id", "id"], unique=False
        )
    op.create_table(
        "notification_cursor",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_notification_cursor_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_cursor")),
    )


def downgrade() -> None:
    op.drop_table("notification_cursor")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_organisation_id_id")
    op.drop_table("notification")
