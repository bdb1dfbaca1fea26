"""Appending to a stream inside a PostgreSQL transaction.

Per append, in one transaction: lock the stream's head row (creating it for a new
stream), look up the batch's idempotency keys, check the expected version, then insert
the linked events and move the head in one statement. Locking the head row serialises the
writers of one stream, so versions and the hash chain stay correct even for concurrent
appends with ANY, while appends to different streams never wait for each other (no table
lock, no global counter besides the position sequence).

The lock is taken before any position is drawn, and taking it gives the transaction its
id: the readers' watermark relies on that order (see `postgres_read`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import asyncpg

from eventstore.batch import (
    ExistingKey,
    LinkedEvent,
    PreparedEvent,
    batch_keys,
    check_version,
    link,
    replayed_result,
)
from eventstore.errors import StoreUnavailable
from eventstore.model import GENESIS_HASH, AppendResult, ExpectedVersion

if TYPE_CHECKING:
    from eventstore.driver import Connection

_LOCK_HEAD = """
SELECT version, last_hash, clock_timestamp() AS now
FROM streams WHERE stream_id = $1 FOR UPDATE
"""

_CREATE_HEAD = """
INSERT INTO streams (stream_id, version, last_hash) VALUES ($1, 0, $2)
ON CONFLICT (stream_id) DO NOTHING
RETURNING version, last_hash, clock_timestamp() AS now
"""

_EXISTING_KEYS = """
SELECT idempotency_key, version, position, type
FROM events WHERE stream_id = $1 AND idempotency_key = ANY($2::text[])
"""

_INSERT = """
WITH inserted AS (
    INSERT INTO events (stream_id, version, event_id, type, schema_version, data, metadata,
                        idempotency_key, recorded_at, hash, previous_hash)
    SELECT $1, batch.version, batch.event_id, batch.type, batch.schema_version,
           batch.data::json, batch.metadata::json, batch.idempotency_key, $2,
           batch.hash, batch.previous_hash
    FROM unnest($3::bigint[], $4::uuid[], $5::text[], $6::integer[], $7::text[],
                $8::text[], $9::text[], $10::text[], $11::text[])
         AS batch(version, event_id, type, schema_version, data, metadata,
                  idempotency_key, hash, previous_hash)
    ORDER BY batch.version
    RETURNING position, version
), head AS (
    UPDATE streams SET version = $12, last_hash = $13, updated_at = $2 WHERE stream_id = $1
)
SELECT position FROM inserted ORDER BY version
"""


async def _lock_head(connection: Connection, stream_id: str) -> asyncpg.Record:
    # A new stream's head is created here; when two appends create it at once, the loser's
    # insert does nothing after the winner commits, and its next lock finds the row.
    for _ in range(3):
        row = await connection.fetchrow(_LOCK_HEAD, stream_id)
        if row is None:
            row = await connection.fetchrow(_CREATE_HEAD, stream_id, GENESIS_HASH)
        if row is not None:
            return row
    raise StoreUnavailable(f"could not lock the head of stream {stream_id!r}; retry")


async def _existing_keys(
    connection: Connection, stream_id: str, keys: list[str]
) -> dict[str, ExistingKey]:
    if not keys:
        return {}
    # A statement of its own, after the lock: it sees what the writer we waited for
    # committed, which a subquery of the locking statement would not.
    rows = await connection.fetch(_EXISTING_KEYS, stream_id, keys)
    return {
        row["idempotency_key"]: ExistingKey(
            row["idempotency_key"], row["version"], row["position"], row["type"]
        )
        for row in rows
    }


async def _insert(
    connection: Connection,
    stream_id: str,
    linked: Sequence[LinkedEvent],
    recorded_at: datetime,
) -> list[int]:
    rows = await connection.fetch(
        _INSERT,
        stream_id,
        recorded_at,
        [item.version for item in linked],
        [item.event_id for item in linked],
        [item.event.type for item in linked],
        [item.event.schema_version for item in linked],
        [item.event.data_json for item in linked],
        [item.event.metadata_json for item in linked],
        [item.event.idempotency_key for item in linked],
        [item.hash for item in linked],
        [item.previous_hash for item in linked],
        linked[-1].version,
        linked[-1].hash,
    )
    return [row["position"] for row in rows]


async def append_in_transaction(
    connection: Connection,
    stream_id: str,
    prepared: Sequence[PreparedEvent],
    expected_version: int | ExpectedVersion,
) -> AppendResult:
    """Append a validated batch; the caller owns the transaction (commit makes it visible)."""
    head = await _lock_head(connection, stream_id)
    existing = await _existing_keys(connection, stream_id, batch_keys(prepared))
    replayed = replayed_result(stream_id, prepared, existing)
    if replayed is not None:
        return replayed
    check_version(stream_id, expected_version, head["version"])
    linked = link(stream_id, prepared, head["version"], head["last_hash"], head["now"])
    positions = await _insert(connection, stream_id, linked, head["now"])
    return AppendResult(
        stream_id=stream_id,
        first_version=linked[0].version,
        last_version=linked[-1].version,
        positions=tuple(positions),
        duplicate=False,
    )
