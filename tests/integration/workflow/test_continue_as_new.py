"""History stays bounded: a switch CSS leaves silent continues as new and carries its state.

Run on the real Temporal dev server (real time, short windows) so the new run is an
ordinary run on an ordinary server.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from css.messages import CssStatus
from domain.identifiers import Fuel, MarketSector
from domain.lifecycle import NotificationKind, Status
from domain.request import SwitchDetails
from eventstore.postgres import PostgresEventStore
from tests.codec import TEST_CONVERTER
from tests.integration.workflow.conftest import MPAN, Engine
from tests.integration.workflow.fake_css import FakeCss
from worker import build_worker
from workflows import search_attributes
from workflows.messages import (
    WORKFLOW_NAME,
    SwitchInput,
    SwitchResult,
)

DEV_SERVER = Path(sys.executable).parent / "temporal"


@pytest.fixture(scope="module")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        data_converter=TEST_CONVERTER,
        dev_server_existing_path=str(DEV_SERVER),
        search_attributes=search_attributes.ALL,
    )
    yield env
    await env.shutdown()


async def test_silent_css_continues_as_new_and_carries_the_state(
    dev_env: WorkflowEnvironment, event_store: PostgresEventStore
) -> None:
    css = FakeCss()
    queue = f"switching-can-{uuid.uuid4().hex[:8]}"
    switch_id = f"sw-can-{uuid.uuid4().hex[:8]}"
    worker = build_worker(
        dev_env.client, store=event_store, css=css, gaining_supplier_id="GAIN", task_queue=queue
    )
    async with worker:
        handle = await dev_env.client.start_workflow(
            WORKFLOW_NAME,
            SwitchInput(
                switch_id=switch_id,
                details=SwitchDetails(Fuel.ELECTRICITY, MPAN, MarketSector.DOMESTIC),
                withdrawal_window_seconds=0,
                reconcile_grace_seconds=0.2,
                reconciliations_per_run=3,
            ),
            id=switch_id,
            task_queue=queue,
            result_type=SwitchResult,
        )
        first_run = handle.result_run_id
        # Without a run id, the handle follows the switch into each new run.
        latest = dev_env.client.get_workflow_handle(switch_id, result_type=SwitchResult)
        engine = Engine(dev_env, event_store, css, queue)
        state = await engine.wait_for(latest, lambda s: s.registration_id is not None)
        assert state.registration_id is not None
        css.statuses[state.registration_id] = CssStatus.PENDING
        # CSS says the window already closed, and then goes silent.
        closed = datetime.now(UTC)
        await engine.notify(latest, NotificationKind.VALIDATED, objection_window_end=closed)
        carried = await engine.wait_for(latest, lambda s: s.reconciliations >= 5)
        described = await latest.describe()
        assert described.run_id != first_run
        # The new run is still found by status and flag in the UI.
        assert described.typed_search_attributes.get(search_attributes.SWITCH_STATUS) == "PENDING"
        assert described.typed_search_attributes.get(search_attributes.SWITCH_STUCK) is True
        assert described.typed_search_attributes.get(search_attributes.FUEL) == "ELECTRICITY"
        assert carried.stuck
        assert carried.status is Status.PENDING
        for kind in (NotificationKind.CONFIRMED, NotificationKind.SECURED, NotificationKind.ACTIVE):
            await engine.notify(latest, kind)
        result = await latest.result()
    assert result.status is Status.ACTIVE
    assert result.state.reconciliations >= 5
    events = await event_store.read_stream(switch_id)
    assert [e.version for e in events] == list(range(1, len(events) + 1))
