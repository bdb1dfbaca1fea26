"""Reading events from PostgreSQL without ever skipping a late commit.

Positions come from a sequence, and sequence order is not commit order: a transaction
can draw position 10, stay open while another draws 11 and commits, and commit later. A
reader that returned 11 and then resumed "after 11" would skip 10 forever.

Filtering rows by transaction id alone (`xid < pg_snapshot_xmin(...)`) is not enough
either: transaction ids are handed out when a transaction first writes, positions when
it inserts its events, so an older transaction can hold a *higher* position than a
younger one that is still open, and returning it would again jump over the gap.

So readers bound every read by a *watermark*, a position below which nothing can still
appear:
1. `eventstore_watermark()` reads the sequence's last handed-out value L, then draws a
   fresh transaction id R (in that order, inside one PL/pgSQL function).
2. Every append takes its transaction id (by locking the stream head) before drawing a
   position; so any transaction holding a position <= L drew it before step 1 read L,
   and therefore got its id before R: its id is below R.
3. Once the oldest running transaction is newer than R (`pg_snapshot_xmin > R`), all of
   those transactions have ended: positions <= L are final, committed or rolled back.
Rows are then read in position order up to L. Rolled-back positions are simply gaps.
The price is one transaction id per read (its commit is asynchronous, as it writes
nothing) and, while some writer is slow to commit, a short wait; writers never wait
for readers. A transaction left open anywhere in the cluster after writing holds the
watermark back until it ends: reads then return what was already proven settled.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Final

import asyncpg

from eventstore.errors import StoreNotMigrated
from eventstore.model import RecordedEvent

if TYPE_CHECKING:
    from eventstore.driver import Connection

_COLUMNS: Final = (
    "position, stream_id, version, event_id, type, schema_version, data, metadata, "
    "recorded_at, hash, previous_hash, idempotency_key"
)

READ_STREAM: Final = (
    f"SELECT {_COLUMNS} FROM events WHERE stream_id = $1 AND version > $2 ORDER BY version"
)

READ_RANGE: Final = (
    f"SELECT {_COLUMNS} FROM events WHERE position > $1 AND position <= $2 "
    "ORDER BY position LIMIT $3"
)

_SAMPLE = "SELECT last_position, reader_xid FROM eventstore_watermark()"
_OLDEST_RUNNING = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"


def decode(row: asyncpg.Record) -> RecordedEvent:
    return RecordedEvent(
        position=row["position"],
        stream_id=row["stream_id"],
        version=row["version"],
        event_id=row["event_id"],
        type=row["type"],
        schema_version=row["schema_version"],
        data=json.loads(row["data"]),
        metadata=json.loads(row["metadata"]),
        recorded_at=row["recorded_at"],
        hash=row["hash"],
        previous_hash=row["previous_hash"],
        idempotency_key=row["idempotency_key"],
    )


class Watermark:
    """The highest position proven settled so far, shared by one store's readers."""

    def __init__(self) -> None:
        self.settled = 0

    async def advance(self, connection: Connection, patience: float) -> int:
        """Sample a new watermark and wait (up to `patience` s) for it to settle; returns the
        best settled position known, which is never past an unsettled one."""
        sample = await connection.fetchrow(_SAMPLE)
        if sample is None:
            raise StoreNotMigrated("eventstore_watermark() returned nothing")
        last_position: int = sample["last_position"]
        if last_position <= self.settled:
            return self.settled
        loop = asyncio.get_running_loop()
        deadline = loop.time() + patience
        delay = 0.0005
        while True:
            oldest_running: int = await connection.fetchval(_OLDEST_RUNNING)
            if oldest_running > sample["reader_xid"]:
                self.settled = max(self.settled, last_position)
                return self.settled
            if loop.time() >= deadline:
                return self.settled
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)
