"""The Temporal sink against a real Temporal test server: a running workflow gets the signal
(dates through the engine's data converter); a finished or unknown one makes it moot."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.lifecycle import NotificationKind
from domain.notification import Notification
from receiver.sink import WorkflowClosed
from receiver.temporal import TemporalSink
from tests.codec import TEST_CONVERTER
from workflows.messages import NOTIFICATION_SIGNAL

TEST_SERVER = Path(sys.executable).parent / "temporal-test-server"


@workflow.defn(name="InboundSignalProbe", sandboxed=False)
class SignalProbe:
    """Waits for one notification signal and returns it, as the switch workflow would see it."""

    def __init__(self) -> None:
        self._received: list[Notification] = []

    @workflow.run
    async def run(self) -> Notification:
        await workflow.wait_condition(lambda: bool(self._received))
        return self._received[0]

    @workflow.signal(name=NOTIFICATION_SIGNAL)
    def notification(self, signal: Notification) -> None:
        self._received.append(signal)


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    environment = await WorkflowEnvironment.start_time_skipping(
        data_converter=TEST_CONVERTER, test_server_existing_path=str(TEST_SERVER)
    )
    yield environment
    await environment.shutdown()


SIGNAL = Notification(
    message_id="N-1",
    kind=NotificationKind.SECURED,
    registration_id="REG-1",
    occurred_at=datetime(2026, 3, 3, 17, 0, tzinfo=UTC),
    supply_start_date=date(2026, 3, 5),
)


async def test_signal_reaches_a_running_workflow_then_is_moot_once_it_finished(
    env: WorkflowEnvironment,
) -> None:
    queue = f"inbound-{uuid.uuid4().hex[:8]}"
    switch_id = f"sw-{uuid.uuid4().hex[:12]}"
    sink = TemporalSink.for_client(env.client)
    async with Worker(env.client, task_queue=queue, workflows=[SignalProbe]):
        handle = await env.client.start_workflow(SignalProbe.run, id=switch_id, task_queue=queue)
        await sink.deliver(switch_id, SIGNAL)
        async with asyncio.timeout(20):
            received = await handle.result()
        assert received == SIGNAL
        with pytest.raises(WorkflowClosed, match=switch_id):
            await sink.deliver(switch_id, SIGNAL)


async def test_signal_to_an_unknown_workflow_is_moot(env: WorkflowEnvironment) -> None:
    sink = TemporalSink.for_client(env.client)
    with pytest.raises(WorkflowClosed, match="sw-never-started"):
        await sink.deliver("sw-never-started", SIGNAL)
