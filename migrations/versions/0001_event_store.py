"""Event store: streams, append-only events, and the readers' watermark.

Revision ID: 0001
Revises:
Create Date: 2025-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HASH = "~ '^[0-9a-f]{64}$'"

# SQLSTATE of the append-only refusal, so the store can translate it precisely.
_REFUSE_CHANGE = """
CREATE FUNCTION eventstore_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_LEVEL = 'ROW' THEN
        RAISE EXCEPTION 'events are append-only: % refused on stream % version %',
            TG_OP, OLD.stream_id, OLD.version
            USING ERRCODE = 'ES001',
                  HINT = 'a correction is a new event appended to the stream';
    END IF;
    RAISE EXCEPTION 'events are append-only: % refused', TG_OP
        USING ERRCODE = 'ES001',
              HINT = 'a correction is a new event appended to the stream';
END
$$
"""

# The readers' watermark (see eventstore/postgres_read.py): the last position handed out,
# then a transaction id drawn after it. Once every transaction older than that id has
# ended, no position up to the sampled one can still appear. PL/pgSQL runs the two steps
# in order, which one SELECT list does not promise.
_WATERMARK = """
CREATE FUNCTION eventstore_watermark(OUT last_position bigint, OUT reader_xid bigint)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    last_position := coalesce(pg_sequence_last_value('events_position_seq'::regclass), 0);
    reader_xid := pg_current_xact_id()::text::bigint;
    -- The id is only a marker: nothing is written, so its commit need not wait for disk.
    PERFORM set_config('synchronous_commit', 'off', true);
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "streams",
        sa.Column("stream_id", sa.Text(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            postgresql.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("stream_id", name="pk_streams"),
        sa.CheckConstraint("version >= 0", name=op.f("ck_streams_version_not_negative")),
        sa.CheckConstraint(f"last_hash {_HASH}", name=op.f("ck_streams_last_hash_is_sha256")),
    )
    op.create_table(
        "events",
        sa.Column("position", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("stream_id", sa.Text(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("event_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("data", postgresql.JSON(), nullable=False),
        sa.Column("metadata", postgresql.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=True),
        sa.Column("recorded_at", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("hash", sa.Text(), nullable=False),
        sa.Column("previous_hash", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("stream_id", "version", name="pk_events"),
        sa.ForeignKeyConstraint(
            ["stream_id"], ["streams.stream_id"], name="fk_events_stream_id_streams"
        ),
        sa.UniqueConstraint("position", name="uq_events_position"),
        sa.UniqueConstraint("event_id", name="uq_events_event_id"),
        sa.UniqueConstraint(
            "stream_id", "idempotency_key", name="uq_events_stream_id_idempotency_key"
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_events_version_positive")),
        sa.CheckConstraint("schema_version >= 1", name=op.f("ck_events_schema_version_positive")),
        sa.CheckConstraint(f"hash {_HASH}", name=op.f("ck_events_hash_is_sha256")),
        sa.CheckConstraint(
            f"previous_hash {_HASH}", name=op.f("ck_events_previous_hash_is_sha256")
        ),
    )
    op.execute(_REFUSE_CHANGE)
    op.execute(
        "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events "
        "FOR EACH ROW EXECUTE FUNCTION eventstore_refuse_change()"
    )
    op.execute(
        "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events "
        "FOR EACH STATEMENT EXECUTE FUNCTION eventstore_refuse_change()"
    )
    op.execute(_WATERMARK)


def downgrade() -> None:
    op.execute("DROP FUNCTION eventstore_watermark()")
    op.drop_table("events")
    op.drop_table("streams")
    op.execute("DROP FUNCTION eventstore_refuse_change()")
