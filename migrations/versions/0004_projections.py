"""Projections: checkpoints, and the switch read model.

Revision ID: 0004
Revises: 0003
Create Date: 2025-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INSTANT = postgresql.TIMESTAMP(timezone=True)


def upgrade() -> None:
    op.create_table(
        "projection_checkpoints",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", _INSTANT, server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_projection_checkpoints")),
        sa.CheckConstraint(
            "position >= 0", name=op.f("ck_projection_checkpoints_position_not_negative")
        ),
    )
    op.create_table(
        "switch_read_model",
        sa.Column("switch_id", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("terminal", sa.Boolean(), nullable=False),
        sa.Column("fuel", sa.Text(), nullable=False),
        sa.Column("mpxn", sa.Text(), nullable=False),
        sa.Column("market_sector", sa.Text(), nullable=False),
        sa.Column("registration_id", sa.Text(), nullable=True),
        sa.Column("requested_supply_start_date", postgresql.DATE(), nullable=True),
        sa.Column("supply_start_date", postgresql.DATE(), nullable=True),
        sa.Column("requested_at", _INSTANT, nullable=False),
        sa.Column("submitted_at", _INSTANT, nullable=True),
        sa.Column("objection_window_end", _INSTANT, nullable=True),
        sa.Column("two_day_target", _INSTANT, nullable=True),
        sa.Column("backstop", _INSTANT, nullable=True),
        sa.Column("updated_at", _INSTANT, nullable=False),
        sa.Column("reason_code", sa.Text(), nullable=True),
        sa.Column("objection_standing", sa.Boolean(), nullable=False),
        sa.Column("withdrawal_requested", sa.Boolean(), nullable=False),
        sa.Column("deadline_missed", sa.Boolean(), nullable=False),
        sa.Column("compensation_due", sa.Boolean(), nullable=False),
        sa.Column("compensation_pence", sa.Integer(), nullable=False),
        sa.Column("stuck", sa.Boolean(), nullable=False),
        sa.Column("stream_version", sa.BigInteger(), nullable=False),
        sa.Column("last_position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("switch_id", name=op.f("pk_switch_read_model")),
    )
    op.create_index("ix_switch_read_model_status", "switch_read_model", ["status"])
    op.create_index(
        "ix_switch_read_model_registration_id", "switch_read_model", ["registration_id"]
    )
    op.create_index("ix_switch_read_model_mpxn", "switch_read_model", ["mpxn"])


def downgrade() -> None:
    op.drop_table("switch_read_model")
    op.drop_table("projection_checkpoints")
