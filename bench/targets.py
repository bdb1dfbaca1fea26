"""The three event stores the event-store benchmark compares, behind one small interface.

- `ours`: `PostgresEventStore` (hash chain, optimistic concurrency, idempotency keys);
- `eventsourcing`: the `eventsourcing` library's PostgreSQL application recorder (the
  event store most Python users would reach for), driven from threads since it is sync;
- `raw-insert`: one autocommitted single-row INSERT per event, the practical limit.

Each writes one event per call, `EVENTS_PER_STREAM` events per stream, with the exact
expected version where the store supports it, as a switch workflow does.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import asyncpg

from eventstore.model import NO_STREAM, NewEvent
from eventstore.postgres import PostgresEventStore

EVENTS_PER_STREAM = 10
READ_PAGE = 1000


class Target(Protocol):
    name: str

    async def open(self, url: str, writers: int) -> None: ...

    async def append(self, writer: int, sequence: int) -> None: ...

    async def read_everything(self) -> int:
        """Read every event in global order, a page at a time; return how many."""
        ...

    async def close(self) -> None: ...


def payload(writer: int, sequence: int) -> dict[str, object]:
    return {"writer": writer, "sequence": sequence, "mpxn": "1312345678907", "fuel": "E"}


def stream_name(run: str, writer: int, sequence: int) -> str:
    return f"bench-{run}-{writer}-{sequence // EVENTS_PER_STREAM}"


async def _keep_session(connection: asyncpg.Connection) -> None:
    """No session reset on release: the benchmark never leaves session state behind."""


class OurStore:
    name = "ours"

    def __init__(self) -> None:
        self.store: PostgresEventStore | None = None
        self.run_id = uuid.uuid4().hex[:8]

    async def open(self, url: str, writers: int) -> None:
        self.store = await PostgresEventStore.connect(url, min_size=writers, max_size=writers)

    async def append(self, writer: int, sequence: int) -> None:
        assert self.store is not None
        stream = stream_name(self.run_id, writer, sequence)
        version = sequence % EVENTS_PER_STREAM
        event = NewEvent(
            "BenchmarkEvent",
            payload(writer, sequence),
            idempotency_key=f"{stream}/{version + 1}",
            metadata={"correlation_id": stream},
        )
        await self.store.append(stream, [event], version or NO_STREAM)

    async def read_everything(self) -> int:
        assert self.store is not None
        count = position = 0
        while page := await self.store.read_all(position, READ_PAGE):
            count += len(page)
            position = page[-1].position
        return count

    async def close(self) -> None:
        if self.store is not None:
            await self.store.close()


class RawInsert:
    """One autocommitted single-row INSERT per event: no lock, no chain, no checks."""

    name = "raw-insert"

    def __init__(self) -> None:
        self._pool: asyncpg.Pool | None = None
        self.run_id = uuid.uuid4().hex[:8]

    async def open(self, url: str, writers: int) -> None:
        self._pool = await asyncpg.create_pool(
            url, min_size=writers, max_size=writers, reset=_keep_session
        )
        await self._pool.execute(
            "CREATE TABLE IF NOT EXISTS bench_raw_events (position bigserial PRIMARY KEY, "
            "stream_id text NOT NULL, data json NOT NULL)"
        )

    async def append(self, writer: int, sequence: int) -> None:
        assert self._pool is not None
        await self._pool.execute(
            "INSERT INTO bench_raw_events (stream_id, data) VALUES ($1, $2::json)",
            stream_name(self.run_id, writer, sequence),
            json.dumps(payload(writer, sequence)),
        )

    async def read_everything(self) -> int:
        assert self._pool is not None
        count = position = 0
        while rows := await self._pool.fetch(
            "SELECT position, stream_id, data FROM bench_raw_events WHERE position > $1 "
            "ORDER BY position LIMIT $2",
            position,
            READ_PAGE,
        ):
            count += len(rows)
            position = rows[-1]["position"]
        return count

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()


def psycopg_params(url: str) -> dict[str, Any]:
    """libpq parameters from an asyncpg-style URL (host may be a socket folder)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    host = query.get("host", [parts.hostname or "localhost"])[0]
    return {
        "dbname": unquote(parts.path.lstrip("/")),
        "host": host,
        "port": int(query.get("port", [parts.port or 5432])[0]),
        "user": unquote(parts.username or "postgres"),
        "password": unquote(parts.password or ""),
    }


class EventSourcingLibrary:
    """`eventsourcing`'s PostgresApplicationRecorder: a global notification order like ours."""

    name = "eventsourcing"

    def __init__(self) -> None:
        self.recorder: Any = None
        self._datastore: Any = None
        self._threads: ThreadPoolExecutor | None = None
        self.run_id = uuid.uuid4().hex[:8]

    async def open(self, url: str, writers: int) -> None:
        from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

        # The sync library gets one thread per writer, as a threaded web app would give it.
        self._threads = ThreadPoolExecutor(max_workers=writers + 1)
        self._datastore = PostgresDatastore(**psycopg_params(url), pool_size=writers + 1)
        self.recorder = PostgresApplicationRecorder(self._datastore, events_table_name="es_events")
        await self._call(self.recorder.create_table)

    async def _call(self, function: Callable[..., Any], *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, function, *args)

    def _insert(self, writer: int, sequence: int) -> None:
        from eventsourcing.persistence import StoredEvent

        stream = stream_name(self.run_id, writer, sequence)
        event = StoredEvent(
            originator_id=uuid.uuid5(uuid.NAMESPACE_URL, stream),
            originator_version=sequence % EVENTS_PER_STREAM + 1,
            topic="bench:BenchmarkEvent",
            state=json.dumps(payload(writer, sequence)).encode(),
        )
        self.recorder.insert_events([event])

    async def append(self, writer: int, sequence: int) -> None:
        await self._call(self._insert, writer, sequence)

    def _read_sync(self) -> int:
        count, start = 0, 1
        while page := self.recorder.select_notifications(start, READ_PAGE):
            count += len(page)
            start = page[-1].id + 1
        return count

    async def read_everything(self) -> int:
        return int(await self._call(self._read_sync))

    async def close(self) -> None:
        if self._datastore is not None:
            await self._call(self._datastore.close)
        if self._threads is not None:
            self._threads.shutdown(wait=True)


TARGETS: dict[str, Callable[[], Target]] = {
    "ours": OurStore,
    "eventsourcing": EventSourcingLibrary,
    "raw-insert": RawInsert,
}
