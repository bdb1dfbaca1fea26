"""A loss end to end through the real pieces: the CSS simulator pushes the losing side's
notifications over mutual TLS with JWS to the real receiver, which stores them and starts the
loss's workflow by itself on a real Temporal dev server; the worker reads the account from
PostgreSQL, objects through the real CSS client, the objection reaches the simulator before
the window closes, and the gain on the other side ends OBJECTED.

The worker starts only after the first notification has been delivered: the loss waits in
Temporal, nothing is lost.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from accounts.postgres import PostgresAccounts, load
from css import tls
from css.client import CssClient
from css.messages import CssStatus
from css.pki import PkiPaths, init_pki
from domain.accounts import AccountFacts
from domain.calendar import to_london
from domain.identifiers import MarketSector
from domain.loss import fold
from domain.loss_events import LossRequestSent, loss_event_from_record
from domain.loss_notification import LossStatus
from domain.objection_policy import ReviewPolicy
from eventstore import roles
from eventstore.postgres import PostgresEventStore
from readmodels.registrations import RegistrationDirectory
from receiver.delivery import RetryPolicy
from receiver.ledger import DeliveryStatus
from receiver.postgres import PostgresDeliveryLedger
from receiver.server import Receiver, ReceiverParts, ReceiverSettings
from receiver.temporal import TemporalSink
from simulator import running_simulator
from tests.codec import TEST_CONVERTER
from tests.conftest import as_role
from tests.integration.css.support import sim_config
from worker import build_worker
from workflows import search_attributes
from workflows.loss_messages import LossPolicy, LossResult, loss_workflow_id

DEV_SERVER = Path(sys.executable).parent / "temporal"
MPAN = "1312345678907"
FAST = RetryPolicy(
    initial=timedelta(milliseconds=50),
    maximum=timedelta(milliseconds=200),
    poll_interval=timedelta(milliseconds=50),
)


@pytest.fixture(scope="module")
async def temporal() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        data_converter=TEST_CONVERTER,
        dev_server_existing_path=str(DEV_SERVER),
        dev_server_extra_args=search_attributes.dev_server_flags(),
    )
    yield env
    await env.shutdown()


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PkiPaths:
    return init_pki(tmp_path_factory.mktemp("losses") / "pki")


async def eventually(check: Callable[[], Awaitable[bool]], what: str, seconds: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"still not true after {seconds}s: {what}")
        await asyncio.sleep(0.1)


async def test_a_loss_starts_itself_objects_in_time_and_the_gain_ends_objected(
    temporal: WorkflowEnvironment,
    pki: PkiPaths,
    event_store: PostgresEventStore,
    fresh_database_url: str,
) -> None:
    queue = f"losses-e2e-{uuid.uuid4().hex[:8]}"
    today = to_london(datetime.now(UTC)).date()
    await load(
        as_role(fresh_database_url, roles.OWNER),
        [AccountFacts(MPAN, MarketSector.DOMESTIC, 31_250, today - timedelta(days=40))],
    )
    policy = LossPolicy(review=ReviewPolicy(arrears_above_pence=None))
    sink = TemporalSink.for_client(temporal.client, task_queue=queue, loss_policy=policy)
    parts = ReceiverParts(
        store=event_store,
        ledger=PostgresDeliveryLedger(event_store.pool),
        directory=RegistrationDirectory(event_store, event_store.pool),
        sink=sink,
    )
    settings = ReceiverSettings("127.0.0.1", 0, pki.root, retry=FAST)
    # The simulated CSS keeps real time, frozen: the test moves it.
    clock = {"clock_start": datetime.now(UTC), "clock_speed": 0.0}
    async with (
        Receiver(settings, parts) as receiver,
        running_simulator(sim_config(pki, receiver.base_url, **clock)) as css,
    ):
        control = httpx.AsyncClient(base_url=css.base_url, verify=tls.supplier_client_context(pki))
        async with control:
            started = await control.post("/control/losses", json={"mpxn": MPAN})
            registration_id: str = started.json()["result"]["registrationId"]
            css.sim.advance(timedelta(minutes=2))

            # No worker yet: the receiver still starts the loss, and Temporal holds it.
            ledger = PostgresDeliveryLedger(event_store.pool)

            async def delivered() -> bool:
                rows = await ledger.list([DeliveryStatus.DELIVERED])
                return any(row.registration_id == registration_id for row in rows)

            await eventually(delivered, "the pending loss delivered")
            handle = temporal.client.get_workflow_handle(
                loss_workflow_id(registration_id), result_type=LossResult
            )
            assert (await handle.describe()).status is WorkflowExecutionStatus.RUNNING

            pool = await asyncpg.create_pool(
                as_role(fresh_database_url, roles.APP), min_size=1, max_size=2
            )
            async with CssClient.from_pki(css.base_url, pki.root) as client:
                worker = build_worker(
                    temporal.client,
                    store=event_store,
                    css=client,
                    accounts=PostgresAccounts(pool),
                    gaining_supplier_id="GAIN",
                    task_queue=queue,
                )
                async with worker:
                    loss = css.losses.get(registration_id)

                    async def objected() -> bool:
                        return loss.objection is not None

                    await eventually(objected, "the objection reached the simulator")
                    assert css.sim.clock.now() < loss.window_end
                    assert loss.objection is not None
                    assert [e.ground.value for e in loss.objection.grounds] == ["DEBT"]
                    assert loss.objection.grounds[0].arrears_pence == 31_250

                    css.sim.advance(loss.window_end - css.sim.clock.now() + timedelta(seconds=1))
                    async with asyncio.timeout(30):
                        result = await handle.result()
            await pool.close()
            seen: dict[str, Any] = (await control.get(f"/control/losses/{registration_id}")).json()
    assert seen["result"]["status"] == CssStatus.OBJECTED.value
    assert seen["result"]["notifications"] == ["LOSS_PENDING", "LOSS_OBJECTED"]
    assert result.status is LossStatus.OBJECTED
    stream = await event_store.read_stream(loss_workflow_id(registration_id))
    events = [loss_event_from_record(e.type, e.data, e.schema_version) for e in stream]
    assert fold(events) == result.state
    [sent] = [e for e in events if isinstance(e, LossRequestSent)]
    assert sent.at < loss.window_end
    described = await handle.describe()
    assert described.typed_search_attributes.get(search_attributes.DIRECTION) == "LOSS"
