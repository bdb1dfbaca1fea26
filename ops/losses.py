"""What the loss commands do: find losses, show one, and act on one through its updates.

A loss is named by CSS's registration id, or by its workflow id (`loss-<registration id>`).
Temporal's errors become the operator error tree (`ops.errors`) here, so the command bodies
only print.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from temporalio.client import Client, WorkflowExecutionStatus, WorkflowUpdateFailedError
from temporalio.service import RPCError

from domain.loss_notification import LossStatus
from domain.loss_state import LossDecision, LossState
from eventstore.interface import EventStore
from ops.errors import (
    InvalidInput,
    LossActionRefused,
    OperationError,
)
from ops.switch_workflow import (
    WORKER_ANSWER_SECONDS,
    WorkflowKind,
    describe,
    no_worker,
    read_workflow,
    rpc_failure,
)
from ops.timeline import TimelineEntry, timeline
from workflows import search_attributes as sa
from workflows.loss_messages import (
    LOSS_PREFIX,
    LOSS_STATUS_QUERY,
    LOSS_WORKFLOW_NAME,
    LossResult,
    LossUpdateResult,
)


@dataclass(frozen=True)
class LossSummary:
    loss_id: str
    status: str
    decision: str
    fuel: str
    supply_start_date: date | None
    final_bill: str | None
    compensation_due: bool
    started_at: datetime | None


@dataclass(frozen=True)
class LossReport:
    state: LossState
    execution: str
    timeline: tuple[TimelineEntry, ...]


def workflow_id_of(loss: str) -> str:
    """The loss's workflow id from either of its names."""
    loss = loss.strip()
    if not loss or loss == LOSS_PREFIX:
        raise InvalidInput("name a loss by its registration id (or its workflow id loss-…)")
    return loss if loss.startswith(LOSS_PREFIX) else f"{LOSS_PREFIX}{loss}"


def list_query(status: str | None, awaiting_decision: bool) -> str:
    clauses = [f"WorkflowType = '{LOSS_WORKFLOW_NAME}'"]
    if status is not None:
        try:
            clauses.append(f"{sa.LOSS_STATUS.name} = '{LossStatus(status.strip().upper())}'")
        except ValueError:
            allowed = ", ".join(s.value for s in LossStatus)
            raise InvalidInput(f"unknown loss status {status!r}; one of {allowed}") from None
    if awaiting_decision:
        clauses.append(f"{sa.LOSS_DECISION.name} = '{LossDecision.AWAITING_OPERATOR}'")
    return " AND ".join(clauses)


async def list_losses(client: Client, query: str, limit: int) -> list[LossSummary]:
    found: list[LossSummary] = []
    try:
        async for execution in client.list_workflows(query, limit=limit):
            attrs = execution.typed_search_attributes
            ssd = attrs.get(sa.SUPPLY_START_DATE)
            found.append(
                LossSummary(
                    loss_id=execution.id.removeprefix(LOSS_PREFIX),
                    status=attrs.get(sa.LOSS_STATUS) or "-",
                    decision=attrs.get(sa.LOSS_DECISION) or "-",
                    fuel=attrs.get(sa.FUEL) or "-",
                    supply_start_date=ssd.date() if ssd else None,
                    final_bill=attrs.get(sa.FINAL_BILL),
                    compensation_due=bool(attrs.get(sa.COMPENSATION_DUE)),
                    started_at=execution.start_time,
                )
            )
    except RPCError as error:
        raise rpc_failure(error, None) from None
    return found


LOSS: WorkflowKind[LossState] = WorkflowKind("loss", LOSS_STATUS_QUERY, LossState, LossResult)


async def loss_report(client: Client, store: EventStore, loss: str) -> LossReport:
    """The loss's state from its workflow, and its timeline from the event store."""
    workflow_id = workflow_id_of(loss)
    view = await read_workflow(client, workflow_id, LOSS)
    if view.state is None:
        raise OperationError(f"loss {workflow_id} ({view.execution}) holds no state yet")
    events = await store.read_stream(workflow_id)
    return LossReport(view.state, view.execution, tuple(timeline(events)))


async def act(client: Client, loss: str, update: str, argument: Any) -> LossUpdateResult:
    """Run one of the loss's updates; the engine's or CSS's refusal is `LossActionRefused`."""
    workflow_id = workflow_id_of(loss)
    described = await describe(client.get_workflow_handle(workflow_id), LOSS.what)
    if described.status is not WorkflowExecutionStatus.RUNNING:
        status = described.typed_search_attributes.get(sa.LOSS_STATUS) or "finished"
        raise LossActionRefused(f"loss {workflow_id} has ended ({status}); nothing to do")
    handle = client.get_workflow_handle(workflow_id)
    try:
        async with asyncio.timeout(WORKER_ANSWER_SECONDS + 10):
            result: LossUpdateResult = await handle.execute_update(
                update, argument, result_type=LossUpdateResult
            )
            return result
    except WorkflowUpdateFailedError as error:
        cause = error.cause
        raise LossActionRefused(str(getattr(cause, "message", cause) or error)) from None
    except TimeoutError:
        raise no_worker(workflow_id, LOSS.what) from None
    except RPCError as error:
        raise rpc_failure(error, workflow_id, LOSS.what) from None
