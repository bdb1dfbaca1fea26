"""What the Temporal UI shows of a switch: every timer and every activity call in its history
has a summary, and its current details say what it waits for, on the time-skipping server."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import WorkflowHandle

from domain.lifecycle import NotificationKind as K
from domain.lifecycle import Status
from tests.integration.workflow.conftest import Engine
from tests.integration.workflow.test_switch_deadlines import skip_past
from workflows.messages import SwitchResult

pytestmark = pytest.mark.asyncio(loop_scope="session")

TIMERS = {
    "withdrawal window",
    "gate closure for the target SSD",
    "gate closure for the backstop SSD",
    "objection window and grace",
    "reconciliation backoff",
    "compensation review",
}


async def _summary(engine: Engine, payload: Payload) -> str:
    [text] = await engine.env.client.data_converter.decode([payload], [str])
    assert isinstance(text, str)
    return text


async def _details(handle: WorkflowHandle[Any, SwitchResult], showing: str) -> str:
    """The current details, once they show `showing` (queries do not skip time)."""
    async with asyncio.timeout(20):
        while True:
            metadata = await handle.query(
                "__temporal_workflow_metadata", result_type=WorkflowMetadata
            )
            if showing in metadata.current_details:
                return str(metadata.current_details)
            await asyncio.sleep(0.05)


async def test_every_timer_and_activity_of_a_late_switch_has_a_summary(engine: Engine) -> None:
    handle = await engine.start()
    held = await _details(handle, "- withdrawal window until ")
    assert held.startswith("**REQUESTED** · ELECTRICITY")
    state = await engine.submitted(handle)
    assert state.registration_id is not None
    # CSS stays silent past the backstop: every deadline timer fires, reconciliation starts.
    await skip_past(engine, state, state.backstop_gate_closure)
    owed = await engine.wait_for(handle, lambda s: s.compensation_due and s.stuck)
    details = await _details(handle, "- reconciliation backoff until ")
    assert "£30.00 compensation owed" in details
    assert owed.backstop_supply_start_date is not None
    late = owed.backstop_supply_start_date + timedelta(days=3)
    for kind in (K.VALIDATED, K.CONFIRMED, K.SECURED, K.ACTIVE):
        await engine.notify(handle, kind, supply_start_date=late)
    await engine.wait_for(handle, lambda s: s.terminal)
    await _details(handle, "- compensation review until ")
    await engine.waive(handle, "customer agreed the later date")
    await engine.finish(handle, Status.ACTIVE)

    history = await handle.fetch_history()
    timers = [e for e in history.events if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED]
    activities = [
        e for e in history.events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    assert timers
    assert activities
    for event in timers:
        assert event.user_metadata.HasField("summary"), event
    summaries = {await _summary(engine, e.user_metadata.summary) for e in timers}
    assert summaries == TIMERS
    for event in activities:
        text = await _summary(engine, event.user_metadata.summary)
        assert text, event.activity_task_scheduled_event_attributes.activity_type.name
    named = {
        await _summary(engine, e.user_metadata.summary)
        for e in activities
        if e.activity_task_scheduled_event_attributes.activity_type.name == "submit_registration"
    }
    assert named == {"submit the registration request to CSS"}
