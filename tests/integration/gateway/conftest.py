"""The whole gateway in one process, every piece real: a Temporal time-skipping server, a
worker built by `worker.build_worker` with the real CSS client, the CSS simulator over
mutual TLS with JWS, the real receiver on PostgreSQL signalling through Temporal.

The simulator's clock is frozen and moved by the test; the workflows' clock is the
time-skipping server's, moved only by `env.sleep`, so nothing fires behind a test's back.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client, Interceptor, WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from accounts.postgres import PostgresAccounts
from css.client import CssClient
from css.pki import PkiPaths, init_pki
from domain.identifiers import Fuel, MarketSector
from domain.lifecycle import Status
from domain.request import SwitchDetails
from domain.switch import SwitchState
from eventstore.postgres import PostgresEventStore
from readmodels.registrations import RegistrationDirectory
from receiver.delivery import RetryPolicy
from receiver.postgres import PostgresDeliveryLedger
from receiver.server import Receiver, ReceiverParts, ReceiverSettings
from receiver.temporal import TemporalSink
from simulator import running_simulator
from simulator.server import RunningSimulator
from tests.codec import TEST_CONVERTER
from tests.integration.css.support import sim_config
from worker import build_worker
from workflows import search_attributes
from workflows.messages import STATUS_QUERY, WORKFLOW_NAME, SwitchInput, SwitchResult

TEST_SERVER = Path(sys.executable).parent / "temporal-test-server"
WINDOW = timedelta(seconds=30)
MPAN = "1312345678907"
FAST = RetryPolicy(
    initial=timedelta(milliseconds=50),
    maximum=timedelta(milliseconds=500),
    poll_interval=timedelta(milliseconds=100),
)


@pytest.fixture(scope="session")
async def gateway_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=TEST_CONVERTER, test_server_existing_path=str(TEST_SERVER)
    )
    await search_attributes.register(env.client)
    yield env
    await env.shutdown()


@dataclass
class Gateway:
    env: WorkflowEnvironment
    client: Client
    pki: PkiPaths
    store: PostgresEventStore
    css: CssClient
    simulator: RunningSimulator
    receiver: Receiver
    task_queue: str
    handles: list[WorkflowHandle[Any, SwitchResult]] = field(default_factory=list)

    async def start(self, count: int) -> list[WorkflowHandle[Any, SwitchResult]]:
        started = []
        for _ in range(count):
            switch_id = f"sw-{uuid.uuid4().hex[:12]}"
            inp = SwitchInput(
                switch_id=switch_id,
                details=SwitchDetails(Fuel.ELECTRICITY, MPAN, MarketSector.DOMESTIC),
                withdrawal_window_seconds=WINDOW.total_seconds(),
            )
            handle = await self.client.start_workflow(
                WORKFLOW_NAME,
                inp,
                id=switch_id,
                task_queue=self.task_queue,
                result_type=SwitchResult,
            )
            started.append(handle)
        self.handles += started
        return started

    async def state(self, handle: WorkflowHandle[Any, SwitchResult]) -> SwitchState | None:
        state: SwitchState | None = await handle.query(
            STATUS_QUERY,
            result_type=SwitchState | None,  # type: ignore[arg-type]
        )
        return state

    async def submit(self, handles: Sequence[WorkflowHandle[Any, SwitchResult]]) -> None:
        """Let the withdrawal window pass, then wait until CSS acknowledged each one."""
        await self.env.sleep(WINDOW + timedelta(seconds=1))
        await self.wait(handles, lambda s: s.registration_id is not None)

    async def wait(
        self,
        handles: Sequence[WorkflowHandle[Any, SwitchResult]],
        condition: Any,
        seconds: float = 60,
    ) -> list[SwitchState]:
        """Poll the status queries in real time (queries do not skip time)."""
        async with asyncio.timeout(seconds):
            while True:
                states = [await self.state(handle) for handle in handles]
                if all(s is not None and condition(s) for s in states):
                    return [s for s in states if s is not None]
                await asyncio.sleep(0.1)

    async def finish(self, handles: Sequence[WorkflowHandle[Any, SwitchResult]]) -> list[Status]:
        """Move CSS's clock past every step and wait until each switch has ended."""
        self.simulator.sim.advance(timedelta(days=10))
        states = await self.wait(handles, lambda s: s.terminal)
        return [state.status for state in states]


async def open_gateway(
    env: WorkflowEnvironment,
    store: PostgresEventStore,
    root: Path,
    *,
    interceptors: Sequence[Interceptor] = (),
) -> contextlib.AbstractAsyncContextManager[Gateway]:
    """The rig; `interceptors` go on its client and, through it, on its worker."""
    pki = init_pki(root)
    config = env.client.config()
    config["interceptors"] = list(interceptors)
    client = Client(**config)
    return _running(env, client, pki, store)


@contextlib.asynccontextmanager
async def _running(
    env: WorkflowEnvironment, client: Client, pki: PkiPaths, store: PostgresEventStore
) -> AsyncIterator[Gateway]:
    parts = ReceiverParts(
        store=store,
        ledger=PostgresDeliveryLedger(store.pool),
        directory=RegistrationDirectory(store, store.pool),
        sink=TemporalSink.for_client(client),
    )
    task_queue = f"gateway-{uuid.uuid4().hex[:8]}"
    async with (
        Receiver(ReceiverSettings("127.0.0.1", 0, pki.root, retry=FAST), parts) as receiver,
        running_simulator(sim_config(pki, receiver.base_url, clock_start=None)) as simulator,
        CssClient.from_pki(simulator.base_url, pki.root) as css,
    ):
        worker = build_worker(
            client,
            store=store,
            css=css,
            accounts=PostgresAccounts(store.pool),
            gaining_supplier_id="GAIN",
            task_queue=task_queue,
        )
        gateway = Gateway(env, client, pki, store, css, simulator, receiver, task_queue)
        async with worker:
            try:
                yield gateway
            finally:
                for handle in gateway.handles:
                    with contextlib.suppress(RPCError):
                        await handle.terminate("test finished")


@pytest.fixture
async def gateway(
    gateway_env: WorkflowEnvironment, event_store: PostgresEventStore, tmp_path: Path
) -> AsyncIterator[Gateway]:
    async with await open_gateway(gateway_env, event_store, tmp_path / "pki") as rig:
        yield rig
