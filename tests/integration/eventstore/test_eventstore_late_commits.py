"""Readers never skip an event whose transaction commits after a later position.

The deterministic tests hold one append's transaction open by hand; the concurrency test
runs many writers over many streams, holds some transactions open (and rolls some back)
so that commit order differs from position order, and checks that a subscriber reading
all along receives every committed event exactly once, in position order.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from eventstore.batch import prepare
from eventstore.chain import verify_stream
from eventstore.model import ANY, AppendResult, NewEvent, RecordedEvent
from eventstore.postgres import PostgresEventStore
from eventstore.postgres_append import append_in_transaction


@pytest.fixture
async def store(fresh_database_url: str) -> AsyncIterator[PostgresEventStore]:
    # A short settle wait keeps the "held open" reads quick; it bounds waiting, not results.
    store = await PostgresEventStore.connect(
        fresh_database_url, max_size=24, settle_timeout=0.1, poll_interval=0.2
    )
    yield store
    await store.close()


def _event(n: int) -> NewEvent:
    return NewEvent("T", {"n": n})


async def test_read_all_stops_before_a_position_whose_writer_is_still_open(
    store: PostgresEventStore,
) -> None:
    before = await store.append("early", [_event(0)])
    assert [e.position for e in await store.read_all()] == list(before.positions)
    async with store.pool.acquire() as held:
        transaction = held.transaction()
        await transaction.start()
        late = await append_in_transaction(held, "late", prepare("late", [_event(1)], ANY), ANY)
        after = await store.append("quick", [_event(2)])
        assert late.positions[0] < after.positions[0]

        visible = await store.read_all()
        assert [e.position for e in visible] == list(before.positions)

        await transaction.commit()

    everything = await store.read_all()
    assert [e.position for e in everything] == [
        before.positions[0],
        late.positions[0],
        after.positions[0],
    ]


async def test_a_rolled_back_position_is_a_gap_that_does_not_block_readers(
    store: PostgresEventStore,
) -> None:
    async with store.pool.acquire() as held:
        transaction = held.transaction()
        await transaction.start()
        doomed = await append_in_transaction(
            held, "doomed", prepare("doomed", [_event(1)], ANY), ANY
        )
        kept = await store.append("kept", [_event(2)])
        await transaction.rollback()

    assert [e.position for e in await store.read_all()] == list(kept.positions)
    assert doomed.positions[0] < kept.positions[0]
    assert await store.read_stream("doomed") == []


async def test_subscriber_gets_a_late_commit_before_the_later_position(
    store: PostgresEventStore,
) -> None:
    async with store.subscribe() as subscription, store.pool.acquire() as held:
        transaction = held.transaction()
        await transaction.start()
        late = await append_in_transaction(held, "late", prepare("late", [_event(1)], ANY), ANY)
        after = await store.append("quick", [_event(2)])
        reader = asyncio.create_task(_collect(subscription, 2))
        await asyncio.sleep(0.3)  # let the subscriber poll while the writer is still open
        await transaction.commit()
        received = await reader

    assert [e.position for e in received] == [late.positions[0], after.positions[0]]


async def _collect(events: AsyncIterator[RecordedEvent], count: int) -> list[RecordedEvent]:
    received: list[RecordedEvent] = []
    async with asyncio.timeout(60):
        async for item in events:
            received.append(item)
            if len(received) == count:
                break
    return received


@dataclass
class _Ledger:
    """What the writers did, in commit order."""

    committed: list[AppendResult] = field(default_factory=list)
    rolled_back: list[AppendResult] = field(default_factory=list)


async def _held_append(
    store: PostgresEventStore, ledger: _Ledger, stream: str, events: list[NewEvent], commit: bool
) -> None:
    async with store.pool.acquire() as connection:
        transaction = connection.transaction()
        await transaction.start()
        result = await append_in_transaction(connection, stream, prepare(stream, events, ANY), ANY)
        await asyncio.sleep(random.uniform(0.02, 0.15))
        if commit:
            await transaction.commit()
            ledger.committed.append(result)
        else:
            await transaction.rollback()
            ledger.rolled_back.append(result)


async def _writer(store: PostgresEventStore, ledger: _Ledger, seed: int, appends: int) -> None:
    rng = random.Random(seed)
    for step in range(appends):
        stream = f"stream-{rng.randrange(40)}"
        events = [_event(seed * 1000 + step) for _ in range(rng.randint(1, 3))]
        roll = rng.random()
        if roll < 0.15:
            await _held_append(store, ledger, stream, events, commit=True)
        elif roll < 0.20:
            await _held_append(store, ledger, stream, events, commit=False)
        else:
            ledger.committed.append(await store.append(stream, events))


async def test_concurrent_writers_with_late_commits_lose_no_event(
    store: PostgresEventStore,
) -> None:
    random.seed(7)
    ledger = _Ledger()
    writers, appends = 16, 25
    subscription = store.subscribe()
    received: list[RecordedEvent] = []
    target: list[int] = []
    caught_up = asyncio.Event()

    async def read_along() -> None:
        async for item in subscription:
            received.append(item)
            if target and len(received) >= target[0]:
                caught_up.set()

    reader = asyncio.create_task(read_along())
    async with asyncio.timeout(120):
        await asyncio.gather(*(_writer(store, ledger, seed, appends) for seed in range(writers)))
        expected = sorted(p for result in ledger.committed for p in result.positions)
        target.append(len(expected))
        if len(received) >= len(expected):
            caught_up.set()
        await caught_up.wait()
    await subscription.aclose()
    reader.cancel()
    await asyncio.gather(reader, return_exceptions=True)

    # The scenario really happened: some transaction committed after a later position did.
    commit_order = [min(result.positions) for result in ledger.committed]
    assert any(
        later < earlier
        for index, earlier in enumerate(commit_order)
        for later in commit_order[index + 1 :]
    )
    assert ledger.rolled_back

    positions = [e.position for e in received]
    assert positions == expected  # every committed event, once, in position order
    assert positions == sorted(set(positions))
    assert not {p for r in ledger.rolled_back for p in r.positions} & set(positions)
    assert [e.position for e in await _read_everything(store)] == expected
    for stream in {e.stream_id for e in received}:
        assert verify_stream(stream, await store.read_stream(stream)) is None


async def _read_everything(store: PostgresEventStore) -> list[RecordedEvent]:
    everything: list[RecordedEvent] = []
    while batch := await store.read_all(everything[-1].position if everything else 0, 100):
        everything.extend(batch)
    return everything
