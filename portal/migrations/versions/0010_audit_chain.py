"""Audit hash chain; on PostgreSQL, triggers that refuse edits of audit entries and of what a
letter seals

Revision ID: 0010_audit_chain
Revises: 0009_certificate_revocation
Create Date: 2026-12-02 13:50:00
"""

from __future__ import annotations

import json
from datetime import UTC

import sqlalchemy as sa
from alembic import op

from portal.audit.chain import GENESIS, ChainedContent, entry_hash

revision = "0010_audit_chain"
down_revision = "0009_certificate_revocation"
branch_labels = None
depends_on = None

# A letter's columns that may change after issuance (its lifecycle); every other column is
# sealed by the letter's signature and its stored digests.
LIFECYCLE_COLUMNS = (
    "status",
    "revoked_at",
    "revoked_by_id",
    "revocation_reason",
    "superseded_by_id",
)

PG_TRIGGERS = f"""
CREATE FUNCTION portal_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the Portal never changes or deletes % rows', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END $$;

CREATE FUNCTION portal_audit_entry_sealing() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The only update an entry ever sees: sealing into the chain, once, content unchanged.
    IF OLD.entry_hash IS NULL AND NEW.entry_hash IS NOT NULL
       AND (to_jsonb(NEW) - ARRAY['seq', 'prev_hash', 'entry_hash'])
           = (to_jsonb(OLD) - ARRAY['seq', 'prev_hash', 'entry_hash']) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit entries are never changed once sealed (entry %)', OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
END $$;

CREATE FUNCTION portal_audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id = OLD.id AND NEW.last_seq > OLD.last_seq THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit chain head only moves forward'
        USING ERRCODE = 'integrity_constraint_violation';
END $$;

CREATE FUNCTION portal_letter_sealed_fields() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (to_jsonb(NEW) - ARRAY{list(LIFECYCLE_COLUMNS)!r})
       IS DISTINCT FROM (to_jsonb(OLD) - ARRAY{list(LIFECYCLE_COLUMNS)!r}) THEN
        RAISE EXCEPTION 'letter % is issued: only its lifecycle fields may change', OLD.number
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER audit_entry_sealed BEFORE UPDATE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION portal_audit_entry_sealing();
CREATE TRIGGER audit_entry_kept BEFORE DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION portal_refuse_change();
CREATE TRIGGER audit_entry_not_truncated BEFORE TRUNCATE ON audit_entry
    FOR EACH STATEMENT EXECUTE FUNCTION portal_refuse_change();
CREATE TRIGGER audit_chain_head_forward BEFORE UPDATE ON audit_chain_head
    FOR EACH ROW EXECUTE FUNCTION portal_audit_head_forward();
CREATE TRIGGER audit_chain_head_kept BEFORE DELETE ON audit_chain_head
    FOR EACH ROW EXECUTE FUNCTION portal_refuse_change();
CREATE TRIGGER letter_sealed_fields BEFORE UPDATE ON letter
    FOR EACH ROW EXECUTE FUNCTION portal_letter_sealed_fields();
CREATE TRIGGER letter_kept BEFORE DELETE ON letter
    FOR EACH ROW EXECUTE FUNCTION portal_refuse_change();
CREATE TRIGGER letter_outlet_kept BEFORE UPDATE OR DELETE ON letter_outlet
    FOR EACH ROW EXECUTE FUNCTION portal_refuse_change();
"""

PG_DROP = """
DROP TRIGGER IF EXISTS letter_outlet_kept ON letter_outlet;
DROP TRIGGER IF EXISTS letter_kept ON letter;
DROP TRIGGER IF EXISTS letter_sealed_fields ON letter;
DROP TRIGGER IF EXISTS audit_chain_head_kept ON audit_chain_head;
DROP TRIGGER IF EXISTS audit_chain_head_forward ON audit_chain_head;
DROP TRIGGER IF EXISTS audit_entry_not_truncated ON audit_entry;
DROP TRIGGER IF EXISTS audit_entry_kept ON audit_entry;
DROP TRIGGER IF EXISTS audit_entry_sealed ON audit_entry;
DROP FUNCTION IF EXISTS portal_letter_sealed_fields();
DROP FUNCTION IF EXISTS portal_audit_head_forward();
DROP FUNCTION IF EXISTS portal_audit_entry_sealing();
DROP FUNCTION IF EXISTS portal_refuse_change();
"""


def upgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("entry_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_audit_entry_seq"), ["seq"])
        batch_op.create_index("ix_audit_entry_object", ["object_type", "object_id"], unique=False)
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    last_seq, last_hash = _chain_existing_entries()
    op.execute(
        sa.text(
            "INSERT INTO audit_chain_head (id, last_seq, last_hash) VALUES (1, :seq, :hash)"
        ).bindparams(seq=last_seq, hash=last_hash)
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_TRIGGERS)


def _chain_existing_entries() -> tuple[int, str]:
    # Entries written before the chain existed are sealed in the order they were written.
    bind = op.get_bind()
    table = sa.table(
        "audit_entry",
        sa.column("id", sa.Integer),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("actor_id", sa.Integer),
        sa.column("organisation_id", sa.Integer),
        sa.column("action", sa.String),
        sa.column("object_type", sa.String),
        sa.column("object_id", sa.String),
        sa.column("details", sa.JSON),
        sa.column("seq", sa.Integer),
        sa.column("prev_hash", sa.String),
        sa.column("entry_hash", sa.String),
    )
    seq, prev = 0, GENESIS
    for row in bind.execute(sa.select(table).order_by(table.c.id)).mappings().all():
        seq += 1
        details = row["details"]
        if isinstance(details, str):
            details = json.loads(details)
        at = row["at"] if row["at"].tzinfo else row["at"].replace(tzinfo=UTC)
        content = ChainedContent(
            seq=seq,
            at=at,
            actor_id=row["actor_id"],
            organisation_id=row["organisation_id"],
            action=row["action"],
            object_type=row["object_type"],
            object_id=row["object_id"],
            details=details or {},
        )
        digest = entry_hash(prev, content)
        bind.execute(
            table.update()
            .where(table.c.id == row["id"])
            .values(seq=seq, prev_hash=prev, entry_hash=digest)
        )
        prev = digest
    return seq, prev


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_DROP)
    op.drop_table("audit_chain_head")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_object")
        batch_op.drop_constraint(batch_op.f("uq_audit_entry_seq"), type_="unique")
        batch_op.drop_column("entry_hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
