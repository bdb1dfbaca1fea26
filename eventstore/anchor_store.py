"""Reading and writing the audit ledger and its checkpoints in PostgreSQL.

Only the auditor role may insert (see `eventstore.roles`); a checkpoint and the ledger
entries it certifies go in one transaction, so the ledger never runs past its last
checkpoint.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import asyncpg

from eventstore.ledger import Checkpoint, LedgerEntry, SignedCheckpoint

if TYPE_CHECKING:
    from eventstore.driver import Connection


@dataclass(frozen=True)
class StoredLedgerEntry:
    entry: LedgerEntry
    chain_hash: str
    checkpoint: int


_CHECKPOINTS = "SELECT sequence, position, body, signature FROM audit_checkpoints ORDER BY sequence"
_LAST = (
    "SELECT sequence, position, body, signature FROM audit_checkpoints "
    "ORDER BY sequence DESC LIMIT 1"
)
_LEDGER_RANGE = (
    "SELECT position, stream_id, version, event_hash, chain_hash, checkpoint FROM audit_ledger "
    "WHERE position > $1 AND position <= $2 ORDER BY position"
)
_CHAIN_AT = (
    "SELECT chain_hash FROM audit_ledger WHERE position <= $1 ORDER BY position DESC LIMIT 1"
)
_HEADS = (
    "SELECT DISTINCT ON (stream_id) stream_id, version, event_hash FROM audit_ledger "
    "WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, version DESC"
)


def _signed(row: asyncpg.Record) -> tuple[int, int, str, str]:
    return row["sequence"], row["position"], row["body"], row["signature"]


async def checkpoints(connection: Connection) -> list[tuple[int, int, str, str]]:
    """Every stored checkpoint row: (sequence, position, body, signature), in order."""
    return [_signed(row) for row in await connection.fetch(_CHECKPOINTS)]


async def last_checkpoint(connection: Connection) -> tuple[int, int, str, str] | None:
    row = await connection.fetchrow(_LAST)
    return None if row is None else _signed(row)


async def ledger_range(connection: Connection, after: int, upto: int) -> list[StoredLedgerEntry]:
    rows = await connection.fetch(_LEDGER_RANGE, after, upto)
    return [
        StoredLedgerEntry(
            LedgerEntry(row["position"], row["stream_id"], row["version"], row["event_hash"]),
            row["chain_hash"],
            row["checkpoint"],
        )
        for row in rows
    ]


async def ledger_at_positions(connection: Connection, positions: list[int]) -> list[LedgerEntry]:
    rows = await connection.fetch(
        "SELECT position, stream_id, version, event_hash FROM audit_ledger "
        "WHERE position = ANY($1::bigint[]) ORDER BY position",
        positions,
    )
    return [
        LedgerEntry(row["position"], row["stream_id"], row["version"], row["event_hash"])
        for row in rows
    ]


async def chain_at(connection: Connection, position: int) -> str | None:
    """The ledger's link at the last entry at or before `position`."""
    value: str | None = await connection.fetchval(_CHAIN_AT, position)
    return value


async def certified_heads(
    connection: Connection, stream_ids: Iterable[str]
) -> dict[str, tuple[int, str]]:
    """The last certified (version, hash) of each stream that has one."""
    rows = await connection.fetch(_HEADS, sorted(set(stream_ids)))
    return {row["stream_id"]: (row["version"], row["event_hash"]) for row in rows}


async def write(
    connection: Connection,
    signed: SignedCheckpoint,
    entries: Sequence[tuple[LedgerEntry, str]],
) -> None:
    """Store a checkpoint and the ledger entries (with their links) it certifies."""
    checkpoint: Checkpoint = signed.checkpoint
    async with connection.transaction():
        await connection.execute(
            "INSERT INTO audit_checkpoints (sequence, position, key_id, body, signature) "
            "VALUES ($1, $2, $3, $4, $5)",
            checkpoint.sequence,
            checkpoint.position,
            checkpoint.key_id,
            signed.body,
            signed.signature,
        )
        await connection.copy_records_to_table(
            "audit_ledger",
            records=[
                (e.position, e.stream_id, e.version, e.event_hash, link, checkpoint.sequence)
                for e, link in entries
            ],
            columns=["position", "stream_id", "version", "event_hash", "chain_hash", "checkpoint"],
        )
