"""Tampering the way a database superuser would: triggers off for the session
(`session_replication_role = replica`), rows rewritten, and every hash the store keeps
recomputed so that the per-stream chains and stream heads verify again."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import asyncpg

from eventstore.chain import canonical_json, fields_of, link_hash
from eventstore.model import GENESIS_HASH
from eventstore.postgres_read import READ_STREAM, decode


async def _as_superuser(url: str) -> asyncpg.Connection:
    connection = await asyncpg.connect(url)
    await connection.execute("SET session_replication_role = replica")
    return connection


async def rewrite_event(
    url: str, stream_id: str, version: int, change: Callable[[dict[str, Any]], Mapping[str, Any]]
) -> None:
    """Change one event's data and recompute its stream's chain and head from there on."""
    connection = await _as_superuser(url)
    try:
        async with connection.transaction():
            events = [decode(row) for row in await connection.fetch(READ_STREAM, stream_id, 0)]
            previous = GENESIS_HASH
            for event in events:
                data = dict(event.data)
                if event.version == version:
                    data = dict(change(data))
                if event.version >= version:
                    new_hash = link_hash(previous, replace(fields_of(event), data=data))
                    await connection.execute(
                        "UPDATE events SET data = $3::json, hash = $4, previous_hash = $5 "
                        "WHERE stream_id = $1 AND version = $2",
                        stream_id,
                        event.version,
                        canonical_json(data),
                        new_hash,
                        previous,
                    )
                    previous = new_hash
                else:
                    previous = event.hash
            await connection.execute(
                "UPDATE streams SET last_hash = $2 WHERE stream_id = $1", stream_id, previous
            )
    finally:
        await connection.close()


async def delete_stream(url: str, stream_id: str) -> None:
    connection = await _as_superuser(url)
    try:
        async with connection.transaction():
            await connection.execute(
                "DELETE FROM inbound_deliveries WHERE stream_id = $1", stream_id
            )
            await connection.execute("DELETE FROM events WHERE stream_id = $1", stream_id)
            await connection.execute("DELETE FROM streams WHERE stream_id = $1", stream_id)
    finally:
        await connection.close()


async def delete_last_event(url: str, stream_id: str) -> None:
    """Remove a stream's last event and move its head back, so its chain verifies."""
    connection = await _as_superuser(url)
    try:
        async with connection.transaction():
            last = await connection.fetchrow(
                "SELECT version, previous_hash FROM events WHERE stream_id = $1 "
                "ORDER BY version DESC LIMIT 1",
                stream_id,
            )
            assert last is not None
            await connection.execute(
                "DELETE FROM events WHERE stream_id = $1 AND version = $2",
                stream_id,
                last["version"],
            )
            await connection.execute(
                "UPDATE streams SET version = $2, last_hash = $3 WHERE stream_id = $1",
                stream_id,
                last["version"] - 1,
                last["previous_hash"],
            )
    finally:
        await connection.close()


async def execute(url: str, statement: str, *args: object) -> None:
    connection = await _as_superuser(url)
    try:
        await connection.execute(statement, *args)
    finally:
        await connection.close()
