"""Event store: appending in one round trip (eventstore_append).

Revision ID: 0003
Revises: 0002
Create Date: 2025-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The caller links the batch (versions, hashes) after a *guessed* head. The head row is
# moved only if it still is that guess (an UPDATE guarded by version and hash, or the
# INSERT of a new stream's head), which takes the row lock and checks in one step; then the
# events go in. If the guess is wrong, nothing is written, and the function reports either
# the batch's keys already in the stream ('duplicate'; the caller decides between a replay
# and a conflict) or the real head ('head'). Each step is its own statement, so it sees
# what a writer we waited for has committed. With no guess (NULL) the function only locks
# the head and reports keys or head: the caller's transaction then links and writes with
# the lock held, which cannot fail.
#
# A right guess cannot hide an already written key: a guess is a head someone read after
# the commit that wrote it, so any key written before it was visible to that reader; an
# append that reuses an old key anyway trips the unique index and the caller falls back
# to the locked path, which reports it.
_APPEND = """
CREATE FUNCTION eventstore_append(
    p_stream_id text,
    p_guess_version bigint,
    p_guess_hash text,
    p_recorded_at timestamptz,
    p_keys text[],
    p_versions bigint[],
    p_event_ids uuid[],
    p_types text[],
    p_schema_versions integer[],
    p_data text[],
    p_metadata text[],
    p_idempotency_keys text[],
    p_hashes text[],
    p_previous_hashes text[],
    OUT outcome text,
    OUT head_version bigint,
    OUT head_hash text,
    OUT positions bigint[],
    OUT existing_keys text[],
    OUT existing_versions bigint[],
    OUT existing_positions bigint[],
    OUT existing_types text[]
)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    size integer := coalesce(cardinality(p_versions), 0);
    moved boolean := false;
BEGIN
    -- The transaction id comes before any position: the readers' watermark relies on it.
    PERFORM pg_current_xact_id();
    IF p_guess_version IS NULL THEN
        PERFORM 1 FROM streams s WHERE s.stream_id = p_stream_id FOR UPDATE;
    ELSIF size > 0 AND p_guess_version = 0 THEN
        INSERT INTO streams (stream_id, version, last_hash, created_at, updated_at)
        VALUES (p_stream_id, p_versions[size], p_hashes[size], p_recorded_at, p_recorded_at)
        ON CONFLICT (stream_id) DO NOTHING;
        moved := FOUND;
    ELSIF size > 0 THEN
        UPDATE streams
        SET version = p_versions[size], last_hash = p_hashes[size], updated_at = p_recorded_at
        WHERE stream_id = p_stream_id
          AND version = p_guess_version AND last_hash = p_guess_hash;
        moved := FOUND;
    END IF;

    IF NOT moved THEN
        IF cardinality(p_keys) > 0 THEN
            SELECT array_agg(e.idempotency_key ORDER BY e.version),
                   array_agg(e.version ORDER BY e.version),
                   array_agg(e.position ORDER BY e.version),
                   array_agg(e.type ORDER BY e.version)
            INTO existing_keys, existing_versions, existing_positions, existing_types
            FROM events e
            WHERE e.stream_id = p_stream_id AND e.idempotency_key = ANY(p_keys);
        END IF;
        SELECT s.version, s.last_hash INTO head_version, head_hash
        FROM streams s WHERE s.stream_id = p_stream_id;
        IF NOT FOUND THEN
            head_version := 0;
            head_hash := repeat('0', 64);
        END IF;
        outcome := CASE WHEN existing_keys IS NULL THEN 'head' ELSE 'duplicate' END;
        RETURN;
    END IF;

    IF size = 1 THEN
        -- The common case, without the cost of unnesting and sorting a batch.
        INSERT INTO events (stream_id, version, event_id, type, schema_version, data,
                            metadata, idempotency_key, recorded_at, hash, previous_hash)
        VALUES (p_stream_id, p_versions[1], p_event_ids[1], p_types[1], p_schema_versions[1],
                p_data[1]::json, p_metadata[1]::json, p_idempotency_keys[1], p_recorded_at,
                p_hashes[1], p_previous_hashes[1])
        RETURNING ARRAY[events.position] INTO positions;
    ELSE
        WITH inserted AS (
            INSERT INTO events (stream_id, version, event_id, type, schema_version, data,
                                metadata, idempotency_key, recorded_at, hash, previous_hash)
            SELECT p_stream_id, b.version, b.event_id, b.type, b.schema_version, b.data::json,
                   b.metadata::json, b.idempotency_key, p_recorded_at, b.hash, b.previous_hash
            FROM unnest(p_versions, p_event_ids, p_types, p_schema_versions, p_data, p_metadata,
                        p_idempotency_keys, p_hashes, p_previous_hashes)
                 WITH ORDINALITY AS b(version, event_id, type, schema_version, data, metadata,
                                      idempotency_key, hash, previous_hash, ordinal)
            ORDER BY b.ordinal
            RETURNING events.position, events.version
        )
        SELECT array_agg(inserted.position ORDER BY inserted.version) INTO positions FROM inserted;
    END IF;
    head_version := p_versions[size];
    head_hash := p_hashes[size];
    outcome := 'appended';
END
$$
"""


def upgrade() -> None:
    op.execute(_APPEND)


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION eventstore_append(text, bigint, text, timestamptz, text[], bigint[], "
        "uuid[], text[], integer[], text[], text[], text[], text[], text[])"
    )
