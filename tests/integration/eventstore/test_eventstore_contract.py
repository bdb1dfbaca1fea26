"""The event store contract, run against every store: in-memory and PostgreSQL."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from datetime import UTC

import pytest

from eventstore.chain import verify_stream
from eventstore.errors import (
    ConcurrencyError,
    IdempotencyConflict,
    InvalidAppend,
    StoreUnavailable,
)
from eventstore.interface import EventStore
from eventstore.memory import InMemoryEventStore
from eventstore.model import ANY, GENESIS_HASH, NO_STREAM, NewEvent, RecordedEvent
from eventstore.postgres import PostgresEventStore


@pytest.fixture(params=["memory", "postgres"])
def store(request: pytest.FixtureRequest) -> EventStore:
    # Sync on purpose: it asks for the PostgreSQL store only when needed, which an async
    # fixture cannot do from inside the running loop.
    if request.param == "memory":
        return InMemoryEventStore()
    postgres: PostgresEventStore = request.getfixturevalue("event_store")
    return postgres


def event(type_: str = "Happened", key: str | None = None, **data: object) -> NewEvent:
    return NewEvent(type=type_, data=dict(data), idempotency_key=key)


async def test_append_to_a_new_stream_numbers_versions_from_one(store: EventStore) -> None:
    result = await store.append("s-1", [event(n=1), event(n=2), event(n=3)], NO_STREAM)

    assert (result.first_version, result.last_version, result.duplicate) == (1, 3, False)
    assert len(result.positions) == 3
    assert list(result.positions) == sorted(result.positions)
    stored = await store.read_stream("s-1")
    assert [e.version for e in stored] == [1, 2, 3]
    assert [e.position for e in stored] == list(result.positions)
    assert [e.data["n"] for e in stored] == [1, 2, 3]


async def test_read_stream_returns_every_field_and_honours_after_version(
    store: EventStore,
) -> None:
    await store.append(
        "s-1",
        [
            NewEvent(
                type="Requested",
                data={"mpxn": "1312345678907"},
                idempotency_key="sw-1/request",
                schema_version=2,
                metadata={"correlation_id": "sw-1", "causation_id": "cmd-9"},
            ),
            event("Submitted", n=2),
        ],
    )

    first, second = await store.read_stream("s-1")
    assert first.stream_id == "s-1"
    assert first.type == "Requested"
    assert first.schema_version == 2
    assert first.data == {"mpxn": "1312345678907"}
    assert first.metadata == {"correlation_id": "sw-1", "causation_id": "cmd-9"}
    assert first.idempotency_key == "sw-1/request"
    assert first.recorded_at.tzinfo is not None
    assert first.recorded_at.utcoffset() == UTC.utcoffset(None)
    assert first.event_id != second.event_id
    assert [e.version for e in await store.read_stream("s-1", after_version=1)] == [2]
    assert await store.read_stream("s-1", after_version=2) == []
    assert await store.read_stream("nobody") == []


async def test_expected_version_mismatch_names_stream_and_versions(store: EventStore) -> None:
    await store.append("s-1", [event(), event()], NO_STREAM)

    with pytest.raises(ConcurrencyError) as stale:
        await store.append("s-1", [event()], 1)
    assert (stale.value.stream_id, stale.value.expected, stale.value.actual) == ("s-1", 1, 2)
    assert "'s-1'" in str(stale.value)
    assert "version 2" in str(stale.value)
    assert not stale.value.retryable

    with pytest.raises(ConcurrencyError) as exists:
        await store.append("s-1", [event()], NO_STREAM)
    assert (exists.value.expected, exists.value.actual) == (0, 2)

    with pytest.raises(ConcurrencyError) as missing:
        await store.append("s-2", [event()], 3)
    assert (missing.value.expected, missing.value.actual) == (3, 0)

    assert [e.version for e in await store.read_stream("s-1")] == [1, 2]
    assert await store.read_stream("s-2") == []


async def test_expected_version_that_matches_appends(store: EventStore) -> None:
    await store.append("s-1", [event()], NO_STREAM)
    result = await store.append("s-1", [event(), event()], 1)
    assert (result.first_version, result.last_version) == (2, 3)
    result = await store.append("s-1", [event()], ANY)
    assert result.last_version == 4


async def test_retried_append_returns_the_original_result_and_writes_nothing(
    store: EventStore,
) -> None:
    await store.append("s-1", [event(key="other")])
    batch = [event("Submitted", key="css-msg-1"), event("Acknowledged", key="css-msg-2")]
    original = await store.append("s-1", batch, 1)
    await store.append("s-1", [event(key="later")], 3)

    # The retry states the version it saw the first time; keys win over the version check.
    retried = await store.append("s-1", batch, 1)

    assert retried.duplicate
    assert retried.positions == original.positions
    assert (retried.first_version, retried.last_version) == (2, 3)
    assert len(await store.read_stream("s-1")) == 4
    assert len(await store.read_all()) == 4


async def test_retry_of_part_of_a_batch_returns_those_events(store: EventStore) -> None:
    original = await store.append("s-1", [event(key="a"), event(key="b"), event(key="c")])
    retried = await store.append("s-1", [event(key="b")])
    assert retried.duplicate
    assert retried.positions == (original.positions[1],)
    assert retried.first_version == retried.last_version == 2


async def test_batch_mixing_written_and_new_keys_is_refused(store: EventStore) -> None:
    await store.append("s-1", [event(key="a")])

    with pytest.raises(IdempotencyConflict) as mixed:
        await store.append("s-1", [event(key="a"), event(key="b")])
    assert mixed.value.existing == ("a",)
    assert mixed.value.new == ("b",)
    assert "'a'" in str(mixed.value)
    assert "'b'" in str(mixed.value)

    with pytest.raises(IdempotencyConflict) as keyless:
        await store.append("s-1", [event(key="a"), event("Unkeyed")])
    assert "Unkeyed" in str(keyless.value)
    assert not keyless.value.retryable
    assert len(await store.read_stream("s-1")) == 1


async def test_key_reused_for_another_event_type_is_refused(store: EventStore) -> None:
    await store.append("s-1", [event("Submitted", key="k")])
    refusal = "written for a Submitted event at version 1, not for a Withdrawn"
    with pytest.raises(IdempotencyConflict, match=refusal):
        await store.append("s-1", [event("Withdrawn", key="k")])


async def test_keys_are_unique_per_stream_not_globally(store: EventStore) -> None:
    first = await store.append("s-1", [event(key="k")])
    second = await store.append("s-2", [event(key="k")])
    assert not second.duplicate
    assert second.positions != first.positions


@pytest.mark.parametrize(
    ("stream_id", "events", "expected", "message"),
    [
        ("s-1", [], ANY, "no events"),
        ("", [event()], ANY, "stream id"),
        ("has space", [event()], ANY, "stream id"),
        ("x" * 201, [event()], ANY, "longer than"),
        ("s-1", [event(), "not an event"], ANY, "event 1 is a str"),
        ("s-1", [NewEvent("", {})], ANY, "empty type"),
        ("s-1", [NewEvent("T", {}, schema_version=0)], ANY, "schema_version"),
        ("s-1", [NewEvent("T", {"when": {1, 2}})], ANY, "event 0 \\(T\\) data is not JSON"),
        ("s-1", [NewEvent("T", {"x": math.nan})], ANY, "data is not JSON"),
        ("s-1", [NewEvent("T", {}, metadata={"at": object()})], ANY, "metadata is not JSON"),
        ("s-1", [NewEvent("T", {}, "k"), NewEvent("U", {}, "k")], ANY, "appears twice"),
        ("s-1", [NewEvent("T", {}, "")], ANY, "idempotency_key"),
        ("s-1", [event()], -1, "must not be negative"),
        ("s-1", [event()], "1", "int or ANY"),
    ],
)
async def test_malformed_appends_are_refused_precisely(
    store: EventStore, stream_id: str, events: list[NewEvent], expected: object, message: str
) -> None:
    with pytest.raises(InvalidAppend, match=message) as refused:
        await store.append(stream_id, events, expected)  # type: ignore[arg-type]
    assert not refused.value.retryable
    assert await store.read_all() == []


async def test_each_stream_is_a_hash_chain_from_genesis(store: EventStore) -> None:
    await store.append("s-1", [event(n=1), event(n=2)])
    await store.append("s-2", [event(n=3)])
    await store.append("s-1", [event(n=4)])

    stream = await store.read_stream("s-1")
    assert stream[0].previous_hash == GENESIS_HASH
    assert [e.previous_hash for e in stream[1:]] == [e.hash for e in stream[:-1]]
    assert verify_stream("s-1", stream) is None
    assert verify_stream("s-2", await store.read_stream("s-2")) is None


async def test_json_round_trips_exactly_so_the_chain_still_verifies(store: EventStore) -> None:
    data = {
        "unicode": "Zo\u00eb \u2013 \u00a330 \u2713",
        "floats": [0.1, 1e20, -2.5e-8, 100.0],
        "big": 2**70,
        "nested": {"b": [1, {"z": None, "a": True}], "a": "x"},
        "tuple": (1, 2),
    }
    await store.append("s-1", [NewEvent("T", data, metadata={"css_message_id": "m-1"})])

    (stored,) = await store.read_stream("s-1")
    assert stored.data == {**data, "tuple": [1, 2]}
    assert isinstance(stored.data["floats"][1], float)
    assert verify_stream("s-1", [stored]) is None
    assert (await store.read_all())[0] == stored


async def test_read_all_is_in_position_order_across_streams(store: EventStore) -> None:
    for round_ in range(3):
        for stream in ("a", "b", "c"):
            await store.append(stream, [event(round=round_, stream=stream)])

    everything = await store.read_all()
    assert len(everything) == 9
    positions = [e.position for e in everything]
    assert positions == sorted(positions)
    assert [e.stream_id for e in everything[:3]] == ["a", "b", "c"]

    after = await store.read_all(after_position=positions[3], limit=2)
    assert [e.position for e in after] == positions[4:6]
    assert await store.read_all(after_position=positions[-1]) == []


async def test_read_all_refuses_a_limit_below_one(store: EventStore) -> None:
    with pytest.raises(ValueError, match="limit"):
        await store.read_all(limit=0)


async def _take(events: AsyncIterator[RecordedEvent], count: int) -> list[RecordedEvent]:
    taken: list[RecordedEvent] = []
    async with asyncio.timeout(20):
        async for item in events:
            taken.append(item)
            if len(taken) == count:
                break
    return taken


async def test_subscription_catches_up_then_follows_live_appends(store: EventStore) -> None:
    await store.append("s-1", [event(n=1), event(n=2)])
    async with store.subscribe() as subscription:
        caught_up = await _take(subscription, 2)
        assert [e.data["n"] for e in caught_up] == [1, 2]

        async def append_later() -> None:
            await asyncio.sleep(0.05)
            await store.append("s-2", [event(n=3)])
            await store.append("s-1", [event(n=4), event(n=5)])

        writer = asyncio.create_task(append_later())
        live = await _take(subscription, 3)
        await writer
        assert [e.data["n"] for e in live] == [3, 4, 5]
        assert subscription.position == live[-1].position


async def test_subscription_starts_after_the_given_position(store: EventStore) -> None:
    result = await store.append("s-1", [event(n=1), event(n=2), event(n=3)])
    async with store.subscribe(after_position=result.positions[0]) as subscription:
        assert [e.data["n"] for e in await _take(subscription, 2)] == [2, 3]


async def test_closed_subscription_stops_iterating(store: EventStore) -> None:
    await store.append("s-1", [event()])
    subscription = store.subscribe()
    await subscription.aclose()
    assert [e async for e in subscription] == []


async def test_concurrent_appends_with_any_keep_versions_and_chain(store: EventStore) -> None:
    await asyncio.gather(*(store.append("s-1", [event(n=n), event(n=n)]) for n in range(20)))

    stream = await store.read_stream("s-1")
    assert [e.version for e in stream] == list(range(1, 41))
    assert verify_stream("s-1", stream) is None


async def test_concurrent_appends_at_one_expected_version_let_exactly_one_win(
    store: EventStore,
) -> None:
    await store.append("s-1", [event()], NO_STREAM)
    outcomes = await asyncio.gather(
        *(store.append("s-1", [event(n=n)], 1) for n in range(10)), return_exceptions=True
    )
    winners = [o for o in outcomes if not isinstance(o, BaseException)]
    losers = [o for o in outcomes if isinstance(o, ConcurrencyError)]
    assert len(winners) == 1
    assert len(losers) == 9
    assert all((loser.expected, loser.actual) == (1, 2) for loser in losers)


async def test_concurrent_retries_of_one_keyed_append_write_once(store: EventStore) -> None:
    batch = [event("Submitted", key="css-1"), event("Acknowledged", key="css-2")]
    results = await asyncio.gather(*(store.append("s-1", batch) for _ in range(8)))

    assert sum(not r.duplicate for r in results) == 1
    assert len({r.positions for r in results}) == 1
    assert len(await store.read_stream("s-1")) == 2


async def test_a_closed_store_is_unavailable(store: EventStore) -> None:
    await store.close()
    with pytest.raises(StoreUnavailable) as closed:
        await store.append("s-1", [event()])
    assert closed.value.retryable
