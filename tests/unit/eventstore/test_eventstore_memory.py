"""The in-memory store's own behaviour (the shared contract runs in tests/integration)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from eventstore import errors
from eventstore.batch import ExistingKey, prepare, replayed_result
from eventstore.errors import (
    NON_RETRYABLE_ERRORS,
    ConcurrencyError,
    EventStoreError,
    IdempotencyConflict,
    StoreUnavailable,
)
from eventstore.memory import InMemoryEventStore
from eventstore.model import ANY, NewEvent


async def test_recorded_at_comes_from_the_injected_clock() -> None:
    moment = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    store = InMemoryEventStore(clock=lambda: moment)
    await store.append("s", [NewEvent("T", {})])
    (event,) = await store.read_stream("s")
    assert event.recorded_at == moment


async def test_a_waiting_subscription_wakes_on_append() -> None:
    store = InMemoryEventStore()
    subscription = store.subscribe()
    waiting = asyncio.create_task(subscription.__anext__())
    await asyncio.sleep(0.01)
    assert not waiting.done()
    await store.append("s", [NewEvent("T", {"n": 1})])
    async with asyncio.timeout(5):
        event = await waiting
    assert event.data == {"n": 1}
    await subscription.aclose()


async def test_subscription_hands_out_batches() -> None:
    store = InMemoryEventStore()
    await store.append("s", [NewEvent("T", {"n": n}) for n in range(3)])
    async with store.subscribe() as subscription:
        batch = await subscription.next_batch()
        assert [e.data["n"] for e in batch] == [0, 1, 2]
        assert subscription.position == batch[-1].position


def test_a_subscription_cannot_start_before_zero() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        InMemoryEventStore().subscribe(-1)


def test_replay_needs_every_key_of_the_batch() -> None:
    prepared = prepare("s", [NewEvent("T", {}, "a"), NewEvent("T", {}, "b")], ANY)
    assert replayed_result("s", prepared, {}) is None
    existing = {"a": ExistingKey("a", 4, 40, "T"), "b": ExistingKey("b", 5, 41, "T")}
    replayed = replayed_result("s", prepared, existing)
    assert replayed is not None
    assert (replayed.first_version, replayed.last_version, replayed.positions) == (4, 5, (40, 41))
    with pytest.raises(IdempotencyConflict, match=r"already written keys \['a'\]"):
        replayed_result("s", prepared, {"a": existing["a"]})


def test_every_error_says_whether_to_retry() -> None:
    leaves = {
        name: cls
        for name, cls in vars(errors).items()
        if isinstance(cls, type) and issubclass(cls, EventStoreError)
    }
    assert set(NON_RETRYABLE_ERRORS) == {n for n, c in leaves.items() if not c.retryable} - {
        "EventStoreError"
    }
    assert StoreUnavailable.retryable
    assert not ConcurrencyError("s", 1, 2).retryable
