"""The delivery loop over in-memory parts: routing, retries, moot signals and restarts."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from css import jws
from css.messages import parse_notification, to_notification
from domain.lifecycle import NotificationKind
from eventstore.memory import InMemoryEventStore
from receiver.delivery import DeliveryLoop, RetryPolicy
from receiver.directory import InMemorySwitchDirectory
from receiver.intake import NotificationIntake
from receiver.ledger import DeliveryStatus, InMemoryDeliveryLedger
from receiver.records import ReceivedMessage
from receiver.sink import RecordingSink, SignalFailed

KEY = jws.SigningKey.from_private_key("css-1", ec.generate_private_key(ec.SECP256R1()))
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
POLICY = RetryPolicy(
    initial=timedelta(seconds=1),
    maximum=timedelta(seconds=8),
    lease=timedelta(seconds=30),
    poll_interval=timedelta(milliseconds=20),
)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def body_of(message_id: str, event_type: str = "CONFIRMED", **extra: Any) -> bytes:
    payload = {
        "messageId": message_id,
        "eventType": event_type,
        "registrationId": "REG-9",
        "mpxn": "1312345678907",
        "occurredAt": "2026-03-03T09:00:00+00:00",
        **extra,
    }
    return json.dumps(payload).encode()


class Rig:
    def __init__(self) -> None:
        self.clock = Clock()
        self.store = InMemoryEventStore()
        self.ledger = InMemoryDeliveryLedger()
        self.directory = InMemorySwitchDirectory()
        self.sink = RecordingSink()
        self.loop = self.new_loop()
        self.intake = NotificationIntake(
            store=self.store,
            ledger=self.ledger,
            trusted_keys=jws.TrustedKeys([KEY.verification_key()]),
            on_accepted=self.loop.wake,
        )

    def new_loop(self) -> DeliveryLoop:
        return DeliveryLoop(
            store=self.store,
            ledger=self.ledger,
            directory=self.directory,
            sink=self.sink,
            policy=POLICY,
            clock=self.clock,
        )

    async def receive(self, body: bytes) -> None:
        message = ReceivedMessage(body, jws.sign(body, KEY), {}, None, self.clock())
        answer = await self.intake.receive(message)
        assert answer.status == 202

    async def status(self, message_id: str) -> tuple[DeliveryStatus, int]:
        row = await self.ledger.get(message_id)
        assert row is not None
        return row.status, row.attempts


@pytest.fixture
def rig() -> Rig:
    return Rig()


async def test_routed_notification_is_signalled_with_its_stored_fields(rig: Rig) -> None:
    rig.directory.add("REG-9", "sw-1")
    body = body_of(
        "m-1",
        "VALIDATED",
        objectionWindowEnd="2026-03-04T09:00:00+00:00",
        supplyStartDate="2026-03-05",
        marketSector="D",
    )
    await rig.receive(body)
    result = await rig.loop.deliver_due()
    assert result.counts == {DeliveryStatus.DELIVERED: 1}
    [delivered] = rig.sink.delivered
    assert delivered.switch_id == "sw-1"
    assert delivered.signal == to_notification(parse_notification(body))
    assert delivered.signal.kind is NotificationKind.VALIDATED
    assert delivered.signal.supply_start_date == date(2026, 3, 5)
    row = await rig.ledger.get("m-1")
    assert row is not None
    assert (row.status, row.switch_id, row.delivered_at) == (
        DeliveryStatus.DELIVERED,
        "sw-1",
        START,
    )
    assert (await rig.loop.deliver_due()).claimed == 0


async def test_unknown_registration_is_kept_flagged_then_delivered_once_known(rig: Rig) -> None:
    await rig.receive(body_of("m-1"))
    await rig.loop.deliver_due()
    assert await rig.status("m-1") == (DeliveryStatus.UNROUTED, 1)
    row = await rig.ledger.get("m-1")
    assert row is not None
    assert row.last_error == "no switch is known for registration REG-9 yet"
    assert (await rig.loop.deliver_due()).claimed == 0  # backing off, not spinning
    rig.clock.advance(1)
    await rig.loop.deliver_due()
    assert await rig.status("m-1") == (DeliveryStatus.UNROUTED, 2)
    rig.directory.add("REG-9", "sw-9")
    rig.clock.advance(2)
    await rig.loop.deliver_due()
    assert await rig.status("m-1") == (DeliveryStatus.DELIVERED, 3)
    assert rig.sink.message_ids() == ["m-1"]


async def test_failed_signal_is_retried_with_backoff_until_delivered(rig: Rig) -> None:
    rig.directory.add("REG-9", "sw-1")
    rig.sink.failure = SignalFailed("temporal unreachable")
    await rig.receive(body_of("m-1"))
    for expected_wait in (1, 2, 4, 8, 8):
        await rig.loop.deliver_due()
        row = await rig.ledger.get("m-1")
        assert row is not None
        assert row.status is DeliveryStatus.PENDING
        assert row.next_attempt_at == rig.clock() + timedelta(seconds=expected_wait)
        assert row.last_error == "SignalFailed: temporal unreachable"
        rig.clock.advance(expected_wait)
    rig.sink.failure = None
    await rig.loop.deliver_due()
    assert await rig.status("m-1") == (DeliveryStatus.DELIVERED, 6)
    assert rig.sink.message_ids() == ["m-1"]


async def test_signal_to_a_finished_workflow_is_recorded_as_moot(rig: Rig) -> None:
    rig.directory.add("REG-9", "sw-done")
    rig.sink.closed.add("sw-done")
    await rig.receive(body_of("m-1"))
    await rig.loop.deliver_due()
    row = await rig.ledger.get("m-1")
    assert row is not None
    assert row.status is DeliveryStatus.MOOT
    assert row.last_error == "workflow sw-done has already finished"
    assert rig.sink.delivered == []


async def test_a_new_loop_delivers_what_an_earlier_one_left_pending(rig: Rig) -> None:
    rig.directory.add("REG-9", "sw-1")
    rig.sink.failure = SignalFailed("down")
    await rig.receive(body_of("m-1"))
    await rig.receive(body_of("m-2", "SECURED", supplyStartDate="2026-03-05"))
    await rig.loop.deliver_due()
    assert rig.sink.delivered == []
    rig.sink.failure = None
    rig.clock.advance(1)
    restarted = rig.new_loop()
    await restarted.deliver_due()
    assert rig.sink.message_ids() == ["m-1", "m-2"]


async def test_running_loop_delivers_after_a_wake_up(rig: Rig) -> None:
    rig.directory.add("REG-9", "sw-1")
    task = asyncio.create_task(rig.loop.run())
    try:
        await rig.receive(body_of("m-1"))
        async with asyncio.timeout(5):
            await rig.sink.wait_for(1)
        assert rig.sink.message_ids() == ["m-1"]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


@pytest.mark.parametrize(
    ("event_type", "extra", "expected"),
    [
        ("REJECTED", {"reasonCode": "MPXN_UNKNOWN"}, {"reason_code": "MPXN_UNKNOWN"}),
        ("ANNULLED", {"reasonCode": "ERRONEOUS"}, {"reason_code": "ERRONEOUS"}),
        ("SECURED", {"supplyStartDate": "2026-03-05"}, {"supply_start_date": date(2026, 3, 5)}),
        ("ACTIVE", {"supplyStartDate": "2026-03-05"}, {"supply_start_date": date(2026, 3, 5)}),
        ("OBJECTION_RAISED", {}, {}),
    ],
)
def test_signal_carries_only_the_fields_of_its_type(
    event_type: str, extra: dict[str, str], expected: dict[str, Any]
) -> None:
    signal = to_notification(parse_notification(body_of("m-1", event_type, **extra)))
    assert signal.kind is NotificationKind(event_type)
    assert signal.occurred_at == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    optional = {
        "reason_code": signal.reason_code,
        "supply_start_date": signal.supply_start_date,
        "objection_window_end": signal.objection_window_end,
    }
    assert {k: v for k, v in optional.items() if v is not None} == expected


def test_backoff_doubles_up_to_the_maximum() -> None:
    delays = [POLICY.delay(n).total_seconds() for n in range(1, 7)]
    assert delays == [1, 2, 4, 8, 8, 8]
    assert RetryPolicy().delay(10_000) == RetryPolicy().maximum
