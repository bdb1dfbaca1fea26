"""Account facts: the engine's copy of what billing holds about each account it supplies,
read when a customer leaves to decide on an objection (the accounts port).

Revision ID: 0008
Revises: 0007
Create Date: 2026-02-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_facts",
        sa.Column("mpxn", sa.Text(), nullable=False),
        sa.Column("market_sector", sa.Text(), nullable=False),
        sa.Column("arrears_pence", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("oldest_unpaid_due", postgresql.DATE(), nullable=True),
        sa.Column("fixed_term_end", postgresql.DATE(), nullable=True),
        sa.Column(
            "debt_assignment_agreed", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column(
            "updated_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("mpxn", name=op.f("pk_account_facts")),
        sa.CheckConstraint(
            "market_sector IN ('D', 'N')", name=op.f("ck_account_facts_market_sector_known")
        ),
        sa.CheckConstraint(
            "arrears_pence >= 0", name=op.f("ck_account_facts_arrears_not_negative")
        ),
        sa.CheckConstraint(
            "(arrears_pence = 0) = (oldest_unpaid_due IS NULL)",
            name=op.f("ck_account_facts_arrears_have_a_due_date"),
        ),
    )


def downgrade() -> None:
    op.drop_table("account_facts")
