"""A real Temporal time-skipping server, a real PostgreSQL event store, and a fake CSS.

The worker is built by `worker.build_worker`, the production composition, with only the
CSS gateway swapped for the in-memory one (behind our own interface).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from audit.crosscheck import fold_stream
from domain.identifiers import Fuel, MarketSector
from domain.lifecycle import NotificationKind, Status
from domain.notification import Notification
from domain.request import SwitchDetails
from domain.switch import SwitchState
from eventstore.postgres import PostgresEventStore
from tests.codec import TEST_CONVERTER
from tests.integration.workflow.fake_css import FakeCss
from worker import build_worker
from workflows import search_attributes
from workflows.messages import (
    NOTIFICATION_SIGNAL,
    STATUS_QUERY,
    WAIVE_COMPENSATION_UPDATE,
    WORKFLOW_NAME,
    SwitchInput,
    SwitchResult,
    WaiveCompensationRequest,
    WaiveCompensationResult,
)

TEST_SERVER = Path(sys.executable).parent / "temporal-test-server"
WINDOW = timedelta(minutes=10)
MPAN = "1312345678907"


@pytest.fixture(scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=TEST_CONVERTER, test_server_existing_path=str(TEST_SERVER)
    )
    await search_attributes.register(env.client)
    yield env
    await env.shutdown()


@dataclass
class Engine:
    env: WorkflowEnvironment
    store: PostgresEventStore
    css: FakeCss
    task_queue: str
    _counter: int = field(default=0)
    started: list[str] = field(default_factory=list)

    def track(self, handle: WorkflowHandle[Any, Any]) -> None:
        """Remember a workflow so the test's teardown can end it."""
        self.started.append(handle.id)

    async def end_leftovers(self) -> None:
        # A switch left running without its worker holds workflow tasks that nobody takes,
        # which stops the shared time-skipping clock for every later test.
        for workflow_id in self.started:
            handle = self.env.client.get_workflow_handle(workflow_id)
            with contextlib.suppress(RPCError):
                await handle.terminate("test finished")

    async def start(
        self, requested_supply_start_date: date | None = None, **overrides: Any
    ) -> WorkflowHandle[Any, SwitchResult]:
        switch_id = f"sw-{uuid.uuid4().hex[:12]}"
        details = SwitchDetails(
            Fuel.ELECTRICITY, MPAN, MarketSector.DOMESTIC, requested_supply_start_date
        )
        inp = SwitchInput(
            switch_id=switch_id,
            details=details,
            withdrawal_window_seconds=WINDOW.total_seconds(),
            reconcile_grace_seconds=3600,
            **overrides,
        )
        handle = await self.env.client.start_workflow(
            WORKFLOW_NAME, inp, id=switch_id, task_queue=self.task_queue, result_type=SwitchResult
        )
        self.track(handle)
        return handle

    async def state(self, handle: WorkflowHandle[Any, SwitchResult]) -> SwitchState:
        state = await handle.query(STATUS_QUERY, result_type=SwitchState)
        assert state is not None
        return state

    async def wait_for(
        self,
        handle: WorkflowHandle[Any, SwitchResult],
        condition: Callable[[SwitchState], bool],
        seconds: float = 20,
    ) -> SwitchState:
        """Poll the status query in real time (queries do not skip time)."""
        deadline = asyncio.get_running_loop().time() + seconds
        while True:
            state = await handle.query(STATUS_QUERY, result_type=SwitchState | None)  # type: ignore[arg-type]
            if state is not None and condition(state):
                return state
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"condition not reached; last state {state}")
            await asyncio.sleep(0.05)

    async def submitted(self, handle: WorkflowHandle[Any, SwitchResult]) -> SwitchState:
        """Skip the withdrawal window and wait for CSS's acknowledgement to be recorded."""
        await self.env.sleep(WINDOW + timedelta(seconds=1))
        return await self.wait_for(handle, lambda s: s.registration_id is not None or s.terminal)

    async def notify(
        self,
        handle: WorkflowHandle[Any, SwitchResult],
        kind: NotificationKind,
        message_id: str | None = None,
        **fields: Any,
    ) -> str:
        state = await self.state(handle)
        registration_id = fields.pop("registration_id", state.registration_id)
        assert registration_id is not None
        self._counter += 1
        message_id = message_id or f"css-{handle.id}-{self._counter}"
        signal = Notification(
            message_id=message_id,
            kind=kind,
            registration_id=registration_id,
            occurred_at=fields.pop("occurred_at", datetime.now(UTC)),
            **fields,
        )
        await handle.signal(NOTIFICATION_SIGNAL, signal)
        return message_id

    async def waive(self, handle: WorkflowHandle[Any, SwitchResult], reason: str) -> int:
        """Waive the compensation owed; the pence waived."""
        result = await handle.execute_update(
            WAIVE_COMPENSATION_UPDATE,
            WaiveCompensationRequest(reason),
            result_type=WaiveCompensationResult,
        )
        return result.pence

    async def stream_types(self, switch_id: str) -> list[str]:
        return [event.type for event in await self.store.read_stream(switch_id)]

    async def stream_state(self, switch_id: str) -> SwitchState | None:
        return fold_stream(await self.store.read_stream(switch_id))

    async def finish(
        self, handle: WorkflowHandle[Any, SwitchResult], status: Status
    ) -> SwitchState:
        """Await the result, check the status, and check the store folds to the same state."""
        await self.wait_for(handle, lambda s: s.terminal)
        # Awaiting a result would let the server skip time while the worker is still
        # completing the task, jumping the shared clock years ahead; it is done already.
        with self.env.auto_time_skipping_disabled():
            result = await handle.result()
        assert result.status is status
        assert await self.stream_state(handle.id) == result.state
        await self.record_history(handle)
        return result.state

    async def record_history(self, handle: WorkflowHandle[Any, Any]) -> None:
        """With SWITCHING_RECORD_HISTORIES=DIR, keep the history for the replay suite."""
        folder = os.environ.get("SWITCHING_RECORD_HISTORIES")
        if folder:
            history = await handle.fetch_history()
            test = os.environ["PYTEST_CURRENT_TEST"].split("::")[-1].split(" ")[0]
            Path(folder, f"{test.removeprefix('test_')}.json").write_text(history.to_json())


@pytest.fixture
async def engine(
    temporal_env: WorkflowEnvironment, event_store: PostgresEventStore
) -> AsyncIterator[Engine]:
    css = FakeCss()
    task_queue = f"switching-test-{uuid.uuid4().hex[:8]}"
    worker = build_worker(
        temporal_env.client,
        store=event_store,
        css=css,
        gaining_supplier_id="GAIN",
        task_queue=task_queue,
    )
    engine = Engine(temporal_env, event_store, css, task_queue)
    async with worker:
        yield engine
        await engine.end_leftovers()
