"""The event store on PostgreSQL (asyncpg): append-only streams with a hash chain.

Appends: `postgres_append`. Reads and the late-commit-safe watermark: `postgres_read`.
Subscriptions wake on LISTEN/NOTIFY and poll as a fallback.

Wake-ups are sent after an append commits, from a background task that coalesces them
(one NOTIFY in flight per store), not from inside the appending transaction: a NOTIFY in
a transaction takes a database-wide lock at commit, which would serialise every append's
commit and forfeit group commit under concurrent writers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any, Final

import asyncpg

from eventstore.batch import check_stream_id, prepare
from eventstore.driver import driver_errors
from eventstore.model import ANY, AppendResult, ExpectedVersion, NewEvent, RecordedEvent
from eventstore.postgres_append import (
    HeadCache,
    append_in_transaction,
    append_optimistically,
)
from eventstore.postgres_read import READ_RANGE, READ_STREAM, Watermark, decode
from eventstore.subscription import Subscription

CHANNEL: Final = "eventstore_appended"
_log = logging.getLogger(__name__)


async def release_without_reset(connection: asyncpg.Connection) -> None:
    """What the pool does when a connection comes back: only end a forgotten transaction.

    asyncpg's default reset costs a round trip per release (RESET ALL, UNLISTEN *, ...),
    as much as an append itself; nothing in the store changes session state, and code
    that borrows `pool` must not either.
    """
    if connection.is_in_transaction():
        await connection.execute("ROLLBACK")


class _Notifier:
    """Sends NOTIFY after appends, at most one in flight, never losing the last poke."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._pending = False
        self._task: asyncio.Task[None] | None = None

    def poke(self) -> None:
        self._pending = True
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while self._pending:
            self._pending = False
            try:
                await self._pool.execute(
                    "SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, '')",
                    CHANNEL,
                )
            except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as error:
                # Subscribers also poll, so a lost wake-up only delays them.
                _log.debug("append notification not sent: %s", error)
                return

    async def close(self) -> None:
        if self._task is not None:
            await self._task


class _ListenWaker:
    """A dedicated connection LISTENing on the store's channel."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._event = asyncio.Event()
        self._connection: asyncpg.Connection | None = None

    async def start(self) -> None:
        with driver_errors("listening for appends"):
            self._connection = await asyncpg.connect(self._url)
            await self._connection.add_listener(CHANNEL, self._on_notify)

    def _on_notify(self, *_: Any) -> None:
        self._event.set()

    def arm(self) -> None:
        self._event.clear()

    async def wait(self, at_most: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), at_most)

    async def close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            with contextlib.suppress(asyncpg.InterfaceError, OSError):
                await connection.close()


class PostgresEventStore:
    def __init__(
        self,
        pool: asyncpg.Pool,
        url: str,
        *,
        settle_timeout: float = 5.0,
        poll_interval: float = 1.0,
    ) -> None:
        self._pool = pool
        self._url = url
        self._settle_timeout = settle_timeout
        self._poll_interval = poll_interval
        self._watermark = Watermark()
        self._notifier = _Notifier(pool)
        self._heads = HeadCache()

    @classmethod
    async def connect(
        cls,
        url: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        settle_timeout: float = 5.0,
        poll_interval: float = 1.0,
    ) -> PostgresEventStore:
        """Open a connection pool. `settle_timeout` bounds how long a read waits for
        slow writers before returning only what is already settled."""
        with driver_errors("connecting to the event store"):
            pool = await asyncpg.create_pool(
                url,
                min_size=min_size,
                max_size=max_size,
                server_settings={"application_name": "switching-eventstore"},
                reset=release_without_reset,
            )
        return cls(pool, url, settle_timeout=settle_timeout, poll_interval=poll_interval)

    @property
    def pool(self) -> asyncpg.Pool:
        """The store's pool, for projections that write beside it."""
        return self._pool

    @property
    def url(self) -> str:
        return self._url

    async def append(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        expected_version: int | ExpectedVersion = ANY,
    ) -> AppendResult:
        prepared = prepare(stream_id, events, expected_version)
        with driver_errors(f"appending to stream {stream_id!r}"):
            async with self._pool.acquire() as connection:
                result = await append_optimistically(
                    connection, stream_id, prepared, expected_version, self._heads
                )
                if result is None:
                    async with connection.transaction():
                        result = await append_in_transaction(
                            connection, stream_id, prepared, expected_version, self._heads
                        )
        if not result.duplicate:
            self._notifier.poke()
        return result

    async def read_stream(self, stream_id: str, after_version: int = 0) -> list[RecordedEvent]:
        # A stream's committed events always form a prefix: version n+1 is written under
        # the head lock that version n's writer held until it committed.
        check_stream_id(stream_id)
        with driver_errors(f"reading stream {stream_id!r}"):
            rows = await self._pool.fetch(READ_STREAM, stream_id, after_version)
        return [decode(row) for row in rows]

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        return await self._read_settled(after_position, limit, self._settle_timeout)

    async def _read_settled(
        self, after_position: int, limit: int, settle_timeout: float
    ) -> list[RecordedEvent]:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        with driver_errors("reading all streams"):
            async with self._pool.acquire() as connection:
                bound = await self._watermark.advance(connection, settle_timeout)
                if bound <= after_position:
                    return []
                rows = await connection.fetch(READ_RANGE, after_position, bound, limit)
        return [decode(row) for row in rows]

    async def _read_for_subscription(self, after_position: int, limit: int) -> list[RecordedEvent]:
        # A short settle wait: a slow writer should not hold back events already settled;
        # the subscription retries on the next wake-up or poll.
        return await self._read_settled(after_position, limit, min(self._settle_timeout, 0.2))

    def subscribe(self, after_position: int = 0) -> Subscription:
        return Subscription(
            self._read_for_subscription,
            _ListenWaker(self._url),
            after_position,
            poll_interval=self._poll_interval,
        )

    async def close(self) -> None:
        await self._notifier.close()
        await self._pool.close()
