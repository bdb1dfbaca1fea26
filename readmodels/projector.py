"""Checkpointed projectors: read models kept up to date from the global order of events.

A projector reads settled events after its checkpoint (`read_all`, which never passes a
position that could still commit), and applies each batch in one transaction that also
moves the checkpoint: after a crash the rows and the checkpoint agree, and the batch is
simply applied again from the checkpoint. The checkpoint row is locked for the batch, so a
second projector of the same name waits and then skips what the first one applied.
`rebuild` empties the projection and replays from position zero; the rows it ends with
are the rows incremental updates produce (a test holds it to that).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import asyncpg

from eventstore.driver import driver_errors
from eventstore.interface import EventStore
from eventstore.model import RecordedEvent

if TYPE_CHECKING:
    from eventstore.driver import Connection

_ENSURE = (
    "INSERT INTO projection_checkpoints (name, position) VALUES ($1, 0) "
    "ON CONFLICT (name) DO NOTHING"
)
_LOCK = "SELECT position FROM projection_checkpoints WHERE name = $1 FOR UPDATE"
_MOVE = "UPDATE projection_checkpoints SET position = $2, updated_at = now() WHERE name = $1"


class Projection(Protocol):
    """Rows derived from events, written inside the projector's transaction."""

    @property
    def name(self) -> str: ...

    async def apply(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        """Bring the rows up to date with `events` (in position order, never seen before)."""
        ...

    async def reset(self, connection: Connection) -> None:
        """Remove every row, for a rebuild from position zero."""
        ...


class Projector:
    def __init__(
        self,
        store: EventStore,
        pool: asyncpg.Pool,
        projection: Projection,
        batch_size: int = 500,
    ) -> None:
        self._store = store
        self._pool = pool
        self._projection = projection
        self._batch_size = batch_size
        self._ensured = False
        self._caught_up_to = 0

    @property
    def name(self) -> str:
        return self._projection.name

    async def _ensure_checkpoint(self) -> None:
        # Checkpoint rows are never deleted, so one insert per projector is enough; doing it
        # before every batch cost a round trip on the projector's hot path.
        if not self._ensured:
            await self._pool.execute(_ENSURE, self.name)
            self._ensured = True

    async def checkpoint(self) -> int:
        with driver_errors(f"reading the checkpoint of {self.name}"):
            await self._ensure_checkpoint()
            position: int = await self._pool.fetchval(
                "SELECT position FROM projection_checkpoints WHERE name = $1", self.name
            )
        return position

    async def apply(self, events: Sequence[RecordedEvent]) -> int:
        """Apply a batch and move the checkpoint past it, atomically; returns how many
        events were new to this projection."""
        if not events:
            return 0
        with driver_errors(f"projecting {self.name}"):
            await self._ensure_checkpoint()
            async with self._pool.acquire() as connection, connection.transaction():
                position: int = await connection.fetchval(_LOCK, self.name)
                fresh = [event for event in events if event.position > position]
                if fresh:
                    await self._projection.apply(connection, fresh)
                    await connection.execute(_MOVE, self.name, fresh[-1].position)
        return len(fresh)

    async def catch_up(self) -> int:
        """Apply everything settled after the checkpoint; returns the number applied."""
        applied = 0
        position = await self.checkpoint()
        while batch := await self._store.read_all(position, self._batch_size):
            applied += await self.apply(batch)
            position = batch[-1].position
        self._caught_up_to = position
        return applied

    async def rebuild(self) -> int:
        """Empty the projection and its checkpoint in one transaction, then replay all."""
        with driver_errors(f"resetting {self.name}"):
            await self._ensure_checkpoint()
            async with self._pool.acquire() as connection, connection.transaction():
                await connection.fetchval(_LOCK, self.name)
                await self._projection.reset(connection)
                await connection.execute(_MOVE, self.name, 0)
        return await self.catch_up()

    async def run(self, caught_up: asyncio.Event | None = None) -> None:
        """Follow the store until cancelled: catch up, then apply each new batch."""
        await self.catch_up()
        if caught_up is not None:
            caught_up.set()
        subscription = self._store.subscribe(self._caught_up_to)
        try:
            while True:
                await self.apply(await subscription.next_batch())
        finally:
            with contextlib.suppress(Exception):
                await subscription.aclose()
