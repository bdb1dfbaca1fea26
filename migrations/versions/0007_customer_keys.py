"""Customer data keys (crypto-shredding).

Revision ID: 0007
Revises: 0006
Create Date: 2026-05-12
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_keys",
        sa.Column("customer_ref", sa.Text(), nullable=False),
        sa.Column("key_id", sa.Text(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=True),
        sa.Column("master_key_id", sa.Text(), nullable=True),
        sa.Column("created_at", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("erased_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("customer_ref", name=op.f("pk_customer_keys")),
        sa.UniqueConstraint("key_id", name=op.f("uq_customer_keys_key_id")),
        sa.CheckConstraint(
            "(erased_at IS NULL AND wrapped_key IS NOT NULL AND master_key_id IS NOT NULL) OR "
            "(erased_at IS NOT NULL AND wrapped_key IS NULL AND master_key_id IS NULL)",
            name=op.f("ck_customer_keys_live_or_erased"),
        ),
    )


def downgrade() -> None:
    op.drop_table("customer_keys")
