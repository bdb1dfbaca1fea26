"""The simulator's lifecycle, scenarios, pushes and faults, seen from a receiver over mTLS."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from css.client import CssClient
from css.messages import Active, CssStatus, Rejected, Secured, Validated
from css.pki import PkiPaths
from domain.identifiers import MarketSector
from domain.lifecycle import NotificationKind
from simulator import running_simulator
from simulator.push import Delivery
from simulator.scenarios import Scenario
from simulator.server import RunningSimulator
from simulator.service import Refusal
from tests.integration.css.support import (
    VALIDATION_DELAY,
    StubReceiver,
    hold,
    registration,
    sim_config,
)

FOUR_DAYS = timedelta(days=4)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


async def deliveries(simulator: RunningSimulator, count: int) -> list[Delivery]:
    async with asyncio.timeout(15):
        return await simulator.sim.pusher.wait_for_deliveries(count)


def set_faults(simulator: RunningSimulator, **changes: object) -> None:
    faults = simulator.sim.faults
    faults.configure(faults.settings.updated(dict(changes)))


async def test_happy_lifecycle_is_pushed_in_order_with_calendar_dates(
    client: CssClient, simulator: RunningSimulator, stub: StubReceiver
) -> None:
    ack = await client.submit_registration(registration())
    assert ack.received_at == at(2, 9)  # by CSS's own clock
    simulator.sim.advance(FOUR_DAYS)
    received = await stub.wait_for(4)
    assert [(r.notification.event_type.value, r.notification.occurred_at) for r in received] == [
        ("VALIDATED", at(2, 9, 1)),
        ("CONFIRMED", at(3, 9, 1)),
        ("SECURED", at(3, 17)),
        ("ACTIVE", at(4, 0)),
    ]
    validated, _, secured, active = (r.notification for r in received)
    assert isinstance(validated, Validated)
    assert validated.objection_window_end == at(3, 9, 1)
    assert validated.supply_start_date == date(2026, 3, 4)
    assert validated.market_sector is MarketSector.DOMESTIC
    assert isinstance(secured, Secured)
    assert secured.supply_start_date == date(2026, 3, 4)
    assert isinstance(active, Active)
    assert active.supply_start_date == date(2026, 3, 4)
    assert {r.notification.registration_id for r in received} == {ack.registration_id}
    assert len({r.notification.message_id for r in received}) == 4
    assert (await client.get_registration(ack.registration_id)).status is CssStatus.ACTIVE


async def test_the_sector_is_the_one_the_market_holds_not_the_requests(
    client: CssClient, simulator: RunningSimulator, stub: StubReceiver
) -> None:
    hold(simulator.sim, Scenario.HAPPY, market_sector=MarketSector.NON_DOMESTIC)
    await client.submit_registration(registration(market_sector=MarketSector.DOMESTIC))
    simulator.sim.advance(FOUR_DAYS)
    validated, confirmed, *_ = await stub.wait_for(4)
    assert isinstance(validated.notification, Validated)
    assert validated.notification.market_sector is MarketSector.NON_DOMESTIC
    assert validated.notification.objection_window_end == at(4, 9, 1)
    assert confirmed.notification.occurred_at == at(4, 9, 1)


async def test_a_debt_objection_on_a_change_of_occupancy_is_refused(
    client: CssClient, simulator: RunningSimulator, stub: StubReceiver
) -> None:
    hold(simulator.sim, Scenario.OBJECT)
    ack = await client.submit_registration(registration(change_of_occupancy=True))
    simulator.sim.advance(FOUR_DAYS)
    await stub.wait_for(4)
    assert stub.types(ack.registration_id) == ["VALIDATED", "CONFIRMED", "SECURED", "ACTIVE"]
    hold(simulator.sim, Scenario.MANUAL)
    manual = await client.submit_registration(registration(change_of_occupancy=True))
    with pytest.raises(Refusal) as refused:
        simulator.sim.notify(manual.registration_id, NotificationKind.OBJECTION_RAISED)
    assert refused.value.reason_code == "OBJECTION_NOT_ALLOWED"
    assert "previous occupant" in refused.value.detail
    assert simulator.sim.get(manual.registration_id).status is CssStatus.RECEIVED


async def test_a_past_requested_ssd_moves_to_the_earliest(
    client: CssClient, simulator: RunningSimulator, stub: StubReceiver
) -> None:
    await client.submit_registration(registration(requested_supply_start_date=date(2026, 3, 2)))
    simulator.sim.advance(VALIDATION_DELAY)
    [validated] = await stub.wait_for(1)
    assert isinstance(validated.notification, Validated)
    assert validated.notification.supply_start_date == date(2026, 3, 4)


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        (Scenario.REJECT, ["REJECTED"]),
        (Scenario.OBJECT, ["VALIDATED", "OBJECTION_RAISED", "OBJECTED"]),
        (
            Scenario.OBJECT_THEN_LIFT,
            ["VALIDATED", "OBJECTION_RAISED", "OBJECTION_LIFTED", "CONFIRMED", "SECURED", "ACTIVE"],
        ),
        (Scenario.ANNUL, ["VALIDATED", "CONFIRMED", "ANNULLED"]),
    ],
)
async def test_scenarios_by_meter_point(
    scenario: Scenario,
    expected: list[str],
    client: CssClient,
    simulator: RunningSimulator,
    stub: StubReceiver,
) -> None:
    hold(simulator.sim, scenario)
    ack = await client.submit_registration(registration())
    simulator.sim.advance(FOUR_DAYS)
    await stub.wait_for(len(expected))
    assert stub.types(ack.registration_id) == expected
    status = await client.get_registration(ack.registration_id)
    assert status.last_event_type is NotificationKind(expected[-1])


async def test_reject_reason_from_the_meter_point(
    client: CssClient, simulator: RunningSimulator, stub: StubReceiver
) -> None:
    hold(simulator.sim, Scenario.REJECT, reason_code="CHANGE_OF_SUPPLIER_BLOCKED")
    req = registration()
    ack = await client.submit_registration(req)
    simulator.sim.advance(VALIDATION_DELAY)
    [rejected] = await stub.wait_for(1)
    assert isinstance(rejected.notification, Rejected)
    assert rejected.notification.reason_code == "CHANGE_OF_SUPPLIER_BLOCKED"
    status = await client.get_registration(ack.registration_id)
    assert (status.status, status.reason_code) == (CssStatus.REJECTED, "CHANGE_OF_SUPPLIER_BLOCKED")


async def test_slow_holds_notifications_but_reports_the_state(
    client: CssClient, simulator: RunningSimulator, stub: StubReceiver
) -> None:
    hold(simulator.sim, Scenario.SLOW)
    ack = await client.submit_registration(registration())
    simulator.sim.advance(FOUR_DAYS)
    await stub.wait_for(1)
    assert stub.types() == ["VALIDATED"]
    # Reconciliation sees what the notifications have not said yet.
    status = await client.get_registration(ack.registration_id)
    assert status.status is CssStatus.ACTIVE
    await deliveries(simulator, 1)
    assert stub.types() == ["VALIDATED"]
    assert simulator.sim.release(ack.registration_id) == 3
    await stub.wait_for(4)
    assert stub.types() == ["VALIDATED", "CONFIRMED", "SECURED", "ACTIVE"]


async def test_slow_notifications_arrive_weeks_late_on_their_own(
    client: CssClient, simulator: RunningSimulator, stub: StubReceiver
) -> None:
    hold(simulator.sim, Scenario.SLOW)
    await client.submit_registration(registration())
    simulator.sim.advance(FOUR_DAYS)
    await stub.wait_for(1)
    simulator.sim.advance(timedelta(days=33))
    received = await stub.wait_for(4)
    assert [r.notification.occurred_at for r in received[1:]] == [at(3, 9, 1), at(3, 17), at(4, 0)]


async def test_manual_sends_only_what_the_test_asks(
    client: CssClient, simulator: RunningSimulator, stub: StubReceiver
) -> None:
    hold(simulator.sim, Scenario.MANUAL)
    ack = await client.submit_registration(registration())
    simulator.sim.advance(FOUR_DAYS)
    assert simulator.sim.pusher.deliveries == []
    sent = simulator.sim.notify(ack.registration_id, NotificationKind.ANNULLED, "ERRONEOUS")
    [received] = await stub.wait_for(1)
    assert received.notification == sent
    assert (await client.get_registration(ack.registration_id)).status is CssStatus.ANNULLED


async def test_key_rotation_both_keys_verify_while_trusted(
    client: CssClient, simulator: RunningSimulator, stub: StubReceiver
) -> None:
    hold(simulator.sim, Scenario.MANUAL)
    ack = await client.submit_registration(registration())
    simulator.sim.notify(ack.registration_id, NotificationKind.VALIDATED)
    await stub.wait_for(1)
    assert simulator.sim.rotate_key() == "css-2026-2"
    simulator.sim.notify(ack.registration_id, NotificationKind.CONFIRMED)
    received = await stub.wait_for(2)
    assert [r.kid for r in received] == ["css-2026-1", "css-2026-2"]
    # Answers to the client are signed with the new key too, and still verify.
    assert (await client.get_registration(ack.registration_id)).status is CssStatus.CONFIRMED


async def test_pushes_retry_until_acknowledged(
    client: CssClient, simulator: RunningSimulator, stub: StubReceiver
) -> None:
    stub.fail_next = 3
    hold(simulator.sim, Scenario.MANUAL)
    ack = await client.submit_registration(registration())
    simulator.sim.notify(ack.registration_id, NotificationKind.VALIDATED)
    await stub.wait_for(1)
    [delivery] = await deliveries(simulator, 1)
    assert (delivery.attempts, delivery.status_code) == (4, 202)
    assert stub.attempts == 4


async def test_duplicate_fault_sends_the_same_message_twice(
    client: CssClient, simulator: RunningSimulator, stub: StubReceiver
) -> None:
    set_faults(simulator, duplicate_rate=1.0)
    hold(simulator.sim, Scenario.MANUAL)
    ack = await client.submit_registration(registration())
    simulator.sim.notify(ack.registration_id, NotificationKind.VALIDATED)
    first, second = await stub.wait_for(2)
    assert first.notification == second.notification
    assert first.body == second.body
    assert [d.duplicate for d in await deliveries(simulator, 2)] == [False, True]


async def test_reorder_fault_swaps_consecutive_notifications(
    client: CssClient, simulator: RunningSimulator, stub: StubReceiver
) -> None:
    set_faults(simulator, reorder_rate=1.0)
    hold(simulator.sim, Scenario.MANUAL)
    ack = await client.submit_registration(registration())
    simulator.sim.notify(ack.registration_id, NotificationKind.CONFIRMED)
    simulator.sim.notify(ack.registration_id, NotificationKind.SECURED)
    await stub.wait_for(2)
    assert stub.types() == ["SECURED", "CONFIRMED"]


async def test_delayed_notifications_still_arrive(
    client: CssClient, simulator: RunningSimulator, stub: StubReceiver
) -> None:
    set_faults(simulator, delay_rate=1.0, delay_seconds=0.2)
    hold(simulator.sim, Scenario.MANUAL)
    ack = await client.submit_registration(registration())
    simulator.sim.notify(ack.registration_id, NotificationKind.VALIDATED)
    assert [r.notification.event_type for r in await stub.wait_for(1)] == [
        NotificationKind.VALIDATED
    ]


async def test_raw_pushes_show_the_receiver_s_refusals(
    simulator: RunningSimulator, stub: StubReceiver
) -> None:
    unsigned = await simulator.sim.pusher.push_raw(b'{"eventType":"CONFIRMED"}', sign=False)
    assert unsigned.status_code == 401
    bad = await simulator.sim.pusher.push_raw(b'{"eventType":"REVOKED"}')
    assert bad.status_code == 400
    assert b'unknown eventType \\"REVOKED\\"' in bad.body
    assert stub.received == []


async def test_without_a_receiver_notifications_wait_in_the_outbox(pki: PkiPaths) -> None:
    async with running_simulator(sim_config(pki, None)) as running:
        async with CssClient.from_pki(running.base_url, pki.root) as css:
            await css.submit_registration(registration())
        running.sim.advance(FOUR_DAYS)
        assert [n.event_type.value for n in running.sim.pusher.outbox] == [
            "VALIDATED",
            "CONFIRMED",
            "SECURED",
            "ACTIVE",
        ]
