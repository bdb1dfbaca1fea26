"""Inbound notifications: delivery tracking, and finding a switch by registration id.

`inbound_deliveries` is the receiver's mutable state beside the append-only events: one
row per stored CSS notification (keyed by the event's global position) saying whether its
switch workflow has been signalled. The partial expression index lets the receiver find
the switch whose stream recorded `RegistrationSubmitted` for a CSS registration id without
scanning the events table.

Revision ID: 0002
Revises: 0001
Create Date: 2025-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUSES = "('PENDING', 'UNROUTED', 'DELIVERED', 'MOOT')"
_OPEN = "status IN ('PENDING', 'UNROUTED')"


def upgrade() -> None:
    op.create_table(
        "inbound_deliveries",
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("registration_id", sa.Text(), nullable=False),
        sa.Column("stream_id", sa.Text(), nullable=False),
        sa.Column("stream_version", sa.BigInteger(), nullable=False),
        sa.Column("received_at", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("switch_id", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("delivered_at", postgresql.TIMESTAMP(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("position", name="pk_inbound_deliveries"),
        sa.ForeignKeyConstraint(
            ["position"], ["events.position"], name="fk_inbound_deliveries_position_events"
        ),
        sa.CheckConstraint(
            f"status IN {_STATUSES}", name=op.f("ck_inbound_deliveries_status_known")
        ),
        sa.CheckConstraint(
            "attempts >= 0", name=op.f("ck_inbound_deliveries_attempts_not_negative")
        ),
    )
    op.create_index("ix_inbound_deliveries_message_id", "inbound_deliveries", ["message_id"])
    op.create_index(
        "ix_inbound_deliveries_due",
        "inbound_deliveries",
        ["next_attempt_at"],
        postgresql_where=sa.text(_OPEN),
    )
    op.create_index(
        "ix_events_registration_submitted",
        "events",
        [sa.text("(data ->> 'registration_id')")],
        postgresql_where=sa.text("type = 'RegistrationSubmitted'"),
    )


def downgrade() -> None:
    op.drop_index("ix_events_registration_submitted", table_name="events")
    op.drop_index("ix_inbound_deliveries_due", table_name="inbound_deliveries")
    op.drop_index("ix_inbound_deliveries_message_id", table_name="inbound_deliveries")
    op.drop_table("inbound_deliveries")
