"""Reading a switch's (or a loss's) workflow: how its execution stands and the state it holds
itself, asked by query while it runs and read from its result once it has completed.

Temporal's errors are translated here, once, into the operator error tree: an unknown id,
a refused argument, an unreachable service, or no worker to answer.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from domain.switch import SwitchState
from ops.errors import EngineUnreachable, InvalidInput, SwitchNotFound
from workflows import search_attributes as sa
from workflows.messages import STATUS_QUERY, SwitchResult

#: How long an update or query may wait for a worker before we call the engine unreachable.
WORKER_ANSWER_SECONDS = 30.0

S = TypeVar("S")


@dataclass(frozen=True)
class WorkflowView(Generic[S]):
    #: The execution's status as Temporal names it (RUNNING, COMPLETED, TERMINATED...).
    execution: str
    #: The state it holds: from the status query while running, from the result once
    #: completed; None when it holds none (not recorded yet, or ended without a result).
    state: S | None


@dataclass(frozen=True)
class WorkflowKind(Generic[S]):
    """How to read one kind of workflow: what operators call it, its status query, the
    types of its state and of its result (which holds the state as `state`)."""

    what: str
    query: str
    state_type: type[S]
    result_type: type[Any]


SWITCH: WorkflowKind[SwitchState] = WorkflowKind("switch", STATUS_QUERY, SwitchState, SwitchResult)


async def workflow_view(client: Client, switch_id: str) -> WorkflowView[SwitchState]:
    """Query if running, result if closed: the workflow's own view of the switch."""
    return await read_workflow(client, switch_id, SWITCH)


async def read_workflow(client: Client, workflow_id: str, kind: WorkflowKind[S]) -> WorkflowView[S]:
    """Query if running, result if closed: the workflow's own view of itself."""
    handle = client.get_workflow_handle(workflow_id, result_type=kind.result_type)
    status = (await describe(handle, kind.what)).status
    state: S | None = None
    try:
        async with asyncio.timeout(WORKER_ANSWER_SECONDS):
            if status is WorkflowExecutionStatus.RUNNING:
                state = await handle.query(kind.query, result_type=kind.state_type)
            elif status is WorkflowExecutionStatus.COMPLETED:
                state = (await handle.result()).state
    except TimeoutError:
        raise no_worker(workflow_id, kind.what) from None
    except RPCError as error:
        raise rpc_failure(error, workflow_id, kind.what) from None
    return WorkflowView(status.name if status is not None else "UNKNOWN", state)


async def describe(handle: WorkflowHandle[Any, Any], what: str = "switch") -> Any:
    try:
        return await handle.describe()
    except RPCError as error:
        raise rpc_failure(error, handle.id, what) from None


async def describe_or_none(client: Client, switch_id: str) -> Any:
    try:
        return await describe(client.get_workflow_handle(switch_id))
    except SwitchNotFound:
        return None


async def status_attribute(handle: WorkflowHandle[Any, Any]) -> str:
    described = await describe(handle)
    return str(described.typed_search_attributes.get(sa.SWITCH_STATUS) or "starting")


def no_worker(workflow_id: str, what: str = "switch") -> EngineUnreachable:
    return EngineUnreachable(
        f"no worker answered for {what} {workflow_id} within {WORKER_ANSWER_SECONDS:.0f}s; "
        "is a worker running (`switching worker`, or `switching dev`)?"
    )


def rpc_failure(error: RPCError, workflow_id: str | None, what: str = "switch") -> Exception:
    if error.status is RPCStatusCode.NOT_FOUND and workflow_id is not None:
        return SwitchNotFound(f"no {what} with id {workflow_id!r}")
    if error.status is RPCStatusCode.INVALID_ARGUMENT:
        return InvalidInput(error.message)
    if error.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
        return EngineUnreachable(f"Temporal did not answer: {error.message}")
    return EngineUnreachable(f"Temporal refused the call ({error.status.name}): {error.message}")
