"""Registration routes: the receiver finds a switch through a projection, not the events.

`registration_routes` is kept by a checkpointed projector from `RegistrationSubmitted`
events; its checkpoint starts at zero, so the first catch-up fills it from the whole store.
The expression index that let the receiver search the events table for that fact goes.

Revision ID: 0005
Revises: 0004
Create Date: 2025-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "registration_routes",
        sa.Column("registration_id", sa.Text(), nullable=False),
        sa.Column("switch_id", sa.Text(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("registration_id", name=op.f("pk_registration_routes")),
        sa.ForeignKeyConstraint(
            ["position"], ["events.position"], name=op.f("fk_registration_routes_position_events")
        ),
    )
    op.drop_index("ix_events_registration_submitted", table_name="events")


def downgrade() -> None:
    op.create_index(
        "ix_events_registration_submitted",
        "events",
        [sa.text("(data ->> 'registration_id')")],
        postgresql_where=sa.text("type = 'RegistrationSubmitted'"),
    )
    op.drop_table("registration_routes")
