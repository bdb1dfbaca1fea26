"""The audit's anchor: a ledger of every settled event in position order, and signed
checkpoints over it. Both are append-only, like the events.

Revision ID: 0006
Revises: 0005
Create Date: 2026-01-12
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HASH = "~ '^[0-9a-f]{64}$'"
_TABLES = ("audit_ledger", "audit_checkpoints")

_REFUSE_CHANGE = """
CREATE FUNCTION audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'ES001',
              HINT = 'the audit ledger and its checkpoints are only ever added to';
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "audit_checkpoints",
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("key_id", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("sequence", name=op.f("pk_audit_checkpoints")),
        sa.CheckConstraint("sequence >= 1", name=op.f("ck_audit_checkpoints_sequence_positive")),
        sa.CheckConstraint(
            "position >= 0", name=op.f("ck_audit_checkpoints_position_not_negative")
        ),
    )
    op.create_table(
        "audit_ledger",
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("stream_id", sa.Text(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("event_hash", sa.Text(), nullable=False),
        sa.Column("chain_hash", sa.Text(), nullable=False),
        sa.Column("checkpoint", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_audit_ledger")),
        sa.UniqueConstraint("stream_id", "version", name=op.f("uq_audit_ledger_stream_id_version")),
        sa.CheckConstraint(
            f"event_hash {_HASH}", name=op.f("ck_audit_ledger_event_hash_is_sha256")
        ),
        sa.CheckConstraint(
            f"chain_hash {_HASH}", name=op.f("ck_audit_ledger_chain_hash_is_sha256")
        ),
    )
    op.execute(_REFUSE_CHANGE)
    for table in _TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()"
        )


def downgrade() -> None:
    op.drop_table("audit_ledger")
    op.drop_table("audit_checkpoints")
    op.execute("DROP FUNCTION audit_refuse_change()")
