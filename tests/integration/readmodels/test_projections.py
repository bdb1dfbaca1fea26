"""Checkpointed projections: the switch read model folded by the domain's `evolve`, and the
registration routes the receiver finds switches by."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from domain.events import (
    DeadlinesComputed,
    Event,
    NotificationApplied,
    RegistrationSubmitted,
    SwitchRequested,
    WithdrawalRequested,
    event_to_record,
)
from domain.identifiers import Fuel, MarketSector
from domain.lifecycle import NotificationKind, Status
from domain.notification import Notification
from domain.request import SwitchDetails
from domain.switch import fold
from eventstore.model import NewEvent, RecordedEvent
from eventstore.postgres import PostgresEventStore
from readmodels.projector import Projector
from readmodels.registrations import RegistrationDirectory, RegistrationRoutes
from readmodels.switch import SwitchReadModel, row_of

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


class CountPerStream:
    """A test projection: how many events each stream has, in `projection_test_counts`."""

    name = "test_counts"

    def __init__(self, fail_on: str | None = None) -> None:
        self.fail_on = fail_on

    async def apply(self, connection: Any, events: Sequence[RecordedEvent]) -> None:
        for event in events:
            await connection.execute(
                "INSERT INTO projection_test_counts (stream_id, events) VALUES ($1, 1) "
                "ON CONFLICT (stream_id) DO UPDATE "
                "SET events = projection_test_counts.events + 1",
                event.stream_id,
            )
            if event.type == self.fail_on:
                raise RuntimeError(f"projection refused {event.type}")

    async def reset(self, connection: Any) -> None:
        await connection.execute("DELETE FROM projection_test_counts")


@pytest.fixture
async def counts_table(event_store: PostgresEventStore) -> None:
    await event_store.pool.execute(
        "CREATE TABLE projection_test_counts (stream_id text PRIMARY KEY, events int NOT NULL)"
    )


async def _counts(store: PostgresEventStore) -> dict[str, int]:
    rows = await store.pool.fetch("SELECT stream_id, events FROM projection_test_counts")
    return {row["stream_id"]: row["events"] for row in rows}


async def test_projector_catches_up_and_moves_its_checkpoint(
    event_store: PostgresEventStore, counts_table: None
) -> None:
    await event_store.append("a", [NewEvent("T", {}), NewEvent("T", {})])
    result = await event_store.append("b", [NewEvent("T", {})])
    projector = Projector(event_store, event_store.pool, CountPerStream(), batch_size=2)

    assert await projector.catch_up() == 3
    assert await _counts(event_store) == {"a": 2, "b": 1}
    assert await projector.checkpoint() == result.positions[-1]
    assert await projector.catch_up() == 0

    await event_store.append("a", [NewEvent("T", {})])
    assert await projector.catch_up() == 1
    assert await _counts(event_store) == {"a": 3, "b": 1}


async def test_a_failed_batch_leaves_rows_and_checkpoint_untouched(
    event_store: PostgresEventStore, counts_table: None
) -> None:
    await event_store.append("a", [NewEvent("T", {})])
    projector = Projector(event_store, event_store.pool, CountPerStream(fail_on="Poison"))
    await projector.catch_up()
    before = await projector.checkpoint()
    await event_store.append("b", [NewEvent("T", {}), NewEvent("Poison", {})])

    with pytest.raises(RuntimeError, match="refused Poison"):
        await projector.catch_up()

    assert await projector.checkpoint() == before
    assert await _counts(event_store) == {"a": 1}


async def test_two_projectors_of_one_name_never_apply_an_event_twice(
    event_store: PostgresEventStore, counts_table: None
) -> None:
    for n in range(30):
        await event_store.append(f"s-{n % 3}", [NewEvent("T", {"n": n})])
    first = Projector(event_store, event_store.pool, CountPerStream(), batch_size=4)
    second = Projector(event_store, event_store.pool, CountPerStream(), batch_size=7)

    applied = await asyncio.gather(first.catch_up(), second.catch_up())

    assert sum(applied) == 30
    assert await _counts(event_store) == {"s-0": 10, "s-1": 10, "s-2": 10}


async def test_run_follows_new_events_until_cancelled(
    event_store: PostgresEventStore, counts_table: None
) -> None:
    await event_store.append("a", [NewEvent("T", {})])
    projector = Projector(event_store, event_store.pool, CountPerStream())
    caught_up = asyncio.Event()
    task = asyncio.create_task(projector.run(caught_up))
    async with asyncio.timeout(20):
        await caught_up.wait()
        last = await event_store.append("b", [NewEvent("T", {}), NewEvent("T", {})])
        for _ in range(1000):  # polling the checkpoint, as an operator would
            if await projector.checkpoint() >= last.positions[-1]:
                break
            await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await _counts(event_store) == {"a": 1, "b": 2}


def _requested(switch_id: str, mpxn: str, fuel: Fuel = Fuel.ELECTRICITY) -> SwitchRequested:
    shipper_id = "SHIP" if fuel is Fuel.GAS else None
    details = SwitchDetails(fuel, mpxn, MarketSector.DOMESTIC, shipper_id=shipper_id)
    return SwitchRequested(switch_id=switch_id, details=details, at=T0)


def _deadlines() -> DeadlinesComputed:
    return DeadlinesComputed(
        supply_start_date=date(2025, 3, 6),
        expected_objection_window_end=T0 + timedelta(days=1),
        two_day_target=T0 + timedelta(days=2),
        backstop=T0 + timedelta(days=7),
        calendar_version="test",
        at=T0 + timedelta(minutes=10),
    )


def _notification(kind: NotificationKind, message_id: str, hours: int) -> NotificationApplied:
    told = Notification(
        message_id=message_id,
        kind=kind,
        registration_id="REG-1",
        occurred_at=T0 + timedelta(hours=hours),
        objection_window_end=T0 + timedelta(days=1) if kind is NotificationKind.VALIDATED else None,
    )
    return NotificationApplied(told, source="css", stale=False)


def _new(event: Event, key: str) -> NewEvent:
    type_, data = event_to_record(event)
    return NewEvent(type_, data, idempotency_key=key, metadata={"correlation_id": "test"})


async def _append_switch(store: PostgresEventStore, switch_id: str, events: list[Event]) -> None:
    current = len(await store.read_stream(switch_id))
    batch = [_new(event, f"{switch_id}/{current + n}") for n, event in enumerate(events, 1)]
    await store.append(switch_id, batch, current)


async def _read_model(store: PostgresEventStore) -> dict[str, dict[str, Any]]:
    rows = await store.pool.fetch("SELECT * FROM switch_read_model ORDER BY switch_id")
    return {row["switch_id"]: dict(row) for row in rows}


async def test_switch_read_model_is_the_fold_and_a_rebuild_gives_the_same_rows(
    event_store: PostgresEventStore,
) -> None:
    history: dict[str, list[Event]] = {
        "sw-elec": [_requested("sw-elec", "1312345678907"), _deadlines()],
        "sw-gas": [_requested("sw-gas", "3938424403", Fuel.GAS)],
    }
    for switch_id, events in history.items():
        await _append_switch(event_store, switch_id, events)
    await event_store.append("css-inbound-REG-1", [NewEvent("NotificationReceived", {"x": 1})])
    projector = Projector(event_store, event_store.pool, SwitchReadModel(), batch_size=2)
    await projector.catch_up()

    more: dict[str, list[Event]] = {
        "sw-elec": [
            RegistrationSubmitted("REG-1", "msg-1", T0 + timedelta(minutes=11)),
            _notification(NotificationKind.VALIDATED, "css-1", 2),
        ],
        "sw-gas": [WithdrawalRequested("customer asked", T0 + timedelta(minutes=3))],
    }
    for switch_id, events in more.items():
        await _append_switch(event_store, switch_id, events)
        history[switch_id] += events
    await projector.catch_up()
    incremental = await _read_model(event_store)

    assert set(incremental) == {"sw-elec", "sw-gas"}  # the inbound stream is not a switch
    for switch_id, events in history.items():
        state = fold(events)
        assert state is not None
        last = (await event_store.read_stream(switch_id))[-1]
        assert incremental[switch_id] == row_of(state, last.position)
    assert incremental["sw-elec"]["status"] == Status.PENDING.value
    assert incremental["sw-elec"]["registration_id"] == "REG-1"
    assert incremental["sw-gas"]["withdrawal_requested"] is True
    assert incremental["sw-gas"]["stream_version"] == 2

    await event_store.pool.execute("UPDATE switch_read_model SET status = 'CORRUPTED'")
    await projector.rebuild()
    assert await _read_model(event_store) == incremental


async def test_a_switch_event_this_code_cannot_read_stops_the_projection(
    event_store: PostgresEventStore,
) -> None:
    await _append_switch(event_store, "sw-1", [_requested("sw-1", "1312345678907")])
    await event_store.append("sw-1", [NewEvent("SwitchRequested", {"switch_id": "sw-1"})])
    projector = Projector(event_store, event_store.pool, SwitchReadModel())

    with pytest.raises(Exception, match="SwitchRequested v1 record is malformed"):
        await projector.catch_up()
    assert await projector.checkpoint() == 0
    assert await _read_model(event_store) == {}


async def test_projection_rows_are_written_with_their_checkpoint(
    event_store: PostgresEventStore,
) -> None:
    # The read model and its checkpoint are one transaction: a reader never sees one
    # without the other, so the checkpoint row equals the newest last_position.
    await _append_switch(event_store, "sw-1", [_requested("sw-1", "1312345678907")])
    await _append_switch(event_store, "sw-2", [_requested("sw-2", "1312345678907")])
    projector = Projector(event_store, event_store.pool, SwitchReadModel())
    await projector.catch_up()
    connection = await asyncpg.connect(event_store.url)
    try:
        newest = await connection.fetchval("SELECT max(last_position) FROM switch_read_model")
    finally:
        await connection.close()
    assert await projector.checkpoint() == newest


async def _routes(store: PostgresEventStore) -> dict[str, str]:
    rows = await store.pool.fetch("SELECT registration_id, switch_id FROM registration_routes")
    return {row["registration_id"]: row["switch_id"] for row in rows}


async def test_registration_routes_keep_the_first_switch_and_rebuild_the_same(
    event_store: PostgresEventStore,
) -> None:
    submitted = T0 + timedelta(minutes=11)
    for switch_id, registration_id in (("sw-a", "REG-A"), ("sw-b", "REG-B"), ("sw-c", "REG-A")):
        await _append_switch(
            event_store,
            switch_id,
            [
                _requested(switch_id, "1312345678907"),
                RegistrationSubmitted(registration_id, f"{switch_id}:registration", submitted),
            ],
        )
    await event_store.append("css-inbound-REG-A", [NewEvent("CssNotificationReceived", {})])
    projector = Projector(event_store, event_store.pool, RegistrationRoutes(), batch_size=3)

    await projector.catch_up()
    routes = await _routes(event_store)
    assert routes == {"REG-A": "sw-a", "REG-B": "sw-b"}

    await event_store.pool.execute("UPDATE registration_routes SET switch_id = 'sw-c'")
    await projector.rebuild()
    assert await _routes(event_store) == routes


async def test_the_directory_catches_the_routes_up_when_a_lookup_misses(
    event_store: PostgresEventStore,
) -> None:
    directory = RegistrationDirectory(event_store, event_store.pool)
    assert await directory.switch_for("REG-LATE") is None

    await _append_switch(
        event_store,
        "sw-late",
        [
            _requested("sw-late", "1312345678907"),
            RegistrationSubmitted("REG-LATE", "sw-late:registration", T0),
        ],
    )

    assert await directory.switch_for("REG-LATE") == "sw-late"
    assert await _routes(event_store) == {"REG-LATE": "sw-late"}
