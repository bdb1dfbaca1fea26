"""An in-memory event store with the PostgreSQL store's behaviour, for fast unit tests.

It runs the same validation, idempotency and hash-chain code as the PostgreSQL store, and
the same contract test suite runs against both. Appends are atomic because the asyncio loop
runs one at a time and nothing here awaits mid-append, so positions are visible in order
and `read_all` needs no watermark.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from eventstore.batch import (
    ExistingKey,
    batch_keys,
    check_version,
    link,
    prepare,
    replayed_result,
)
from eventstore.errors import StoreUnavailable
from eventstore.model import (
    ANY,
    GENESIS_HASH,
    AppendResult,
    ExpectedVersion,
    NewEvent,
    RecordedEvent,
)
from eventstore.subscription import Subscription


def _utc_now() -> datetime:
    return datetime.now(UTC)


class _MemoryWaker:
    def __init__(self, store: InMemoryEventStore) -> None:
        self._store = store
        self._event = asyncio.Event()

    async def start(self) -> None:
        self._store._wakers.add(self)

    def arm(self) -> None:
        self._event.clear()

    def wake(self) -> None:
        self._event.set()

    async def wait(self, at_most: float) -> None:
        try:
            await asyncio.wait_for(self._event.wait(), at_most)
        except TimeoutError:
            return

    async def close(self) -> None:
        self._store._wakers.discard(self)


class InMemoryEventStore:
    def __init__(self, clock: Callable[[], datetime] = _utc_now) -> None:
        self._clock = clock
        self._events: list[RecordedEvent] = []
        self._streams: dict[str, list[RecordedEvent]] = {}
        self._keys: dict[tuple[str, str], RecordedEvent] = {}
        self._wakers: set[_MemoryWaker] = set()
        self._closed = False

    def _check_open(self) -> None:
        if self._closed:
            raise StoreUnavailable("the in-memory event store is closed")

    async def append(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        expected_version: int | ExpectedVersion = ANY,
    ) -> AppendResult:
        self._check_open()
        prepared = prepare(stream_id, events, expected_version)
        existing = {
            key: ExistingKey(key, record.version, record.position, record.type)
            for key in batch_keys(prepared)
            if (record := self._keys.get((stream_id, key))) is not None
        }
        replayed = replayed_result(stream_id, prepared, existing)
        if replayed is not None:
            return replayed
        stream = self._streams.get(stream_id, [])
        check_version(stream_id, expected_version, len(stream))
        head_hash = stream[-1].hash if stream else GENESIS_HASH
        recorded_at = self._clock().astimezone(UTC)
        linked = link(stream_id, prepared, len(stream), head_hash, recorded_at)
        recorded = [
            RecordedEvent(
                position=len(self._events) + index,
                stream_id=stream_id,
                version=item.version,
                event_id=item.event_id,
                type=item.event.type,
                schema_version=item.event.schema_version,
                data=item.event.data,
                metadata=item.event.metadata,
                recorded_at=item.recorded_at,
                hash=item.hash,
                previous_hash=item.previous_hash,
                idempotency_key=item.event.idempotency_key,
            )
            for index, item in enumerate(linked, start=1)
        ]
        self._events.extend(recorded)
        self._streams.setdefault(stream_id, []).extend(recorded)
        for event in recorded:
            if event.idempotency_key is not None:
                self._keys[(stream_id, event.idempotency_key)] = event
        for waker in self._wakers:
            waker.wake()
        return AppendResult(
            stream_id=stream_id,
            first_version=recorded[0].version,
            last_version=recorded[-1].version,
            positions=tuple(event.position for event in recorded),
            duplicate=False,
        )

    async def read_stream(self, stream_id: str, after_version: int = 0) -> list[RecordedEvent]:
        self._check_open()
        return list(self._streams.get(stream_id, [])[max(after_version, 0) :])

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        self._check_open()
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        # Positions are 1..n without gaps here, so a position is its index plus one.
        start = max(after_position, 0)
        return self._events[start : start + limit]

    def subscribe(self, after_position: int = 0) -> Subscription:
        return Subscription(self.read_all, _MemoryWaker(self), after_position)

    async def close(self) -> None:
        self._closed = True
