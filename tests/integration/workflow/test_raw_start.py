"""A start as another language's client sends it: raw JSON, checked by the workflow itself.

Incomplete or invalid input ends the workflow at once, failed with a non-retryable
`InvalidSwitchInput` naming the field and the rule, before anything is recorded or sent to
CSS. Started through a plain Temporal client (the SDK's default converter, raw payloads)
and through the `temporal` CLI, never through our own converter or `request_switch`.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowHandle,
)
from temporalio.common import RawValue
from temporalio.exceptions import ApplicationError

from domain.identifiers import mpan_core_check_digit
from domain.lifecycle import Status
from tests.integration.workflow.conftest import MPAN, Engine
from workflows.messages import WORKFLOW_NAME

pytestmark = pytest.mark.asyncio(loop_scope="session")
TEMPORAL_CLI = Path(sys.executable).parent / "temporal"


def good_input(switch_id: str) -> dict[str, Any]:
    return {
        "switch_id": switch_id,
        "fuel": "ELECTRICITY",
        "mpxn": MPAN,
        "market_sector": "D",
        "requested_supply_start_date": None,
        "change_of_occupancy": False,
        "erroneous_transfer": False,
        "shipper_id": None,
        "withdrawal_window_seconds": 600.0,
        "reconcile_grace_seconds": 3600.0,
        "carried_state": None,
    }


def raw(document: object) -> RawValue:
    return RawValue(
        Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(document).encode())
    )


async def start_raw(engine: Engine, document: object, switch_id: str) -> WorkflowHandle[Any, Any]:
    """Started by a plain client (no converter or codec of ours); read back by the operators'
    client, which holds the codec the engine encrypts its failures with."""
    plain = Client(engine.env.client.service_client, namespace=engine.env.client.namespace)
    await plain.start_workflow(
        WORKFLOW_NAME, raw(document), id=switch_id, task_queue=engine.task_queue
    )
    handle = engine.env.client.get_workflow_handle(switch_id)
    engine.track(handle)
    return handle


async def assert_refused_at_once(
    engine: Engine, handle: WorkflowHandle[Any, Any], field: str, message: str
) -> None:
    with pytest.raises(WorkflowFailureError) as failed:
        # Bounded: input the workflow cannot read must not leave it retrying its task.
        await asyncio.wait_for(handle.result(), timeout=30)
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "InvalidSwitchInput"
    assert cause.non_retryable
    assert message in cause.message
    assert list(cause.details) == [field]
    history = await handle.fetch_history()
    types = [event.event_type for event in history.events]
    assert EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED not in types
    assert types[-1] == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED
    assert await engine.store.read_stream(handle.id) == []
    assert engine.css.requests == []
    await engine.record_history(handle)


def mpan_with(distributor: str) -> str:
    twelve = distributor + MPAN[2:12]
    return twelve + str(mpan_core_check_digit(twelve))


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"market_sector": None}, "market_sector", "market_sector is missing (expected D or N)"),
        ({"mpxn": "1312345678908"}, "mpxn", "mpxn: MPAN core check digit is wrong: expected 7"),
        ({"mpxn": mpan_with("99")}, "mpxn", "mpxn: MPAN core distributor id 99 is not valid"),
        ({"fuel": "COAL"}, "fuel", "fuel 'COAL' is not one of ELECTRICITY, GAS"),
        ({"fuel": "GAS", "mpxn": "3938424403"}, "shipper_id", "shipper_id is required"),
        ({"change_of_occupancy": "yes"}, "change_of_occupancy", "must be true or false"),
        ({"switch_id": 42}, "switch_id", "switch_id must be a string, got int 42"),
        ({"withdrawal_window_seconds": -1}, "withdrawal_window_seconds", "must be 0 or more"),
        ({"carried_state": {"status": "ACTIVE"}}, "carried_state", "carried_state must be null"),
    ],
)
async def test_invalid_raw_input_fails_the_workflow_at_once(
    engine: Engine, change: dict[str, Any], field: str, message: str
) -> None:
    switch_id = f"sw-raw-{uuid.uuid4().hex[:8]}"
    document = {**good_input(switch_id), **change}
    handle = await start_raw(
        engine, {k: v for k, v in document.items() if v is not None}, switch_id
    )
    await assert_refused_at_once(engine, handle, field, message)


async def test_a_requested_ssd_beyond_28_days_is_refused_before_anything_is_recorded(
    engine: Engine,
) -> None:
    switch_id = f"sw-raw-{uuid.uuid4().hex[:8]}"
    too_late = (await engine.env.get_current_time()).date() + timedelta(days=60)
    document = {**good_input(switch_id), "requested_supply_start_date": too_late.isoformat()}
    handle = await start_raw(engine, document, switch_id)
    await assert_refused_at_once(
        engine, handle, "requested_supply_start_date", "is more than 28 days ahead"
    )


async def test_input_that_is_not_a_json_object_is_refused(engine: Engine) -> None:
    switch_id = f"sw-raw-{uuid.uuid4().hex[:8]}"
    handle = await start_raw(engine, ["not", "an", "object"], switch_id)
    await assert_refused_at_once(engine, handle, "input", "input must be a JSON object, got list")


async def test_a_valid_raw_start_is_recorded_and_held(engine: Engine) -> None:
    switch_id = f"sw-raw-{uuid.uuid4().hex[:8]}"
    document = good_input(switch_id)
    document["mpxn"] = "13 1234 5678 907"  # normalised by the workflow, as at the door
    handle = await start_raw(engine, document, switch_id)
    state = await engine.wait_for(engine.env.client.get_workflow_handle(switch_id), lambda s: True)
    assert (state.status, state.details.mpxn) == (Status.REQUESTED, MPAN)
    assert await engine.stream_types(switch_id) == ["SwitchRequested"]
    assert (await handle.describe()).status is WorkflowExecutionStatus.RUNNING


async def test_the_temporal_cli_start_missing_a_field_fails_at_once(engine: Engine) -> None:
    switch_id = f"sw-cli-{uuid.uuid4().hex[:8]}"
    document = good_input(switch_id)
    del document["market_sector"]
    address = engine.env.client.service_client.config.target_host
    process = await asyncio.create_subprocess_exec(
        str(TEMPORAL_CLI),
        "workflow",
        "start",
        "--address",
        address,
        "--namespace",
        engine.env.client.namespace,
        "--task-queue",
        engine.task_queue,
        "--type",
        WORKFLOW_NAME,
        "--workflow-id",
        switch_id,
        "--input",
        json.dumps(document),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, (out, err)
    handle = engine.env.client.get_workflow_handle(switch_id)
    engine.track(handle)
    await assert_refused_at_once(engine, handle, "market_sector", "market_sector is missing")
