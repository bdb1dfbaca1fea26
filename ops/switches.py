"""What the operator commands do: start, withdraw, show and list switches.

Each function takes a connected Temporal client (and the event store where facts are
read) and returns a plain result; refusals and Temporal's errors become the operator error
tree (`ops.errors`), so the command bodies only print.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from temporalio.client import Client, WorkflowExecutionStatus, WorkflowUpdateFailedError
from temporalio.service import RPCError

from domain.lifecycle import Status
from domain.switch import SwitchState
from eventstore.interface import EventStore
from ops.errors import InvalidInput, OperationError, SwitchNotFound, WithdrawalRefused
from ops.switch_workflow import (
    WORKER_ANSWER_SECONDS,
    describe,
    describe_or_none,
    no_worker,
    rpc_failure,
    status_attribute,
    workflow_view,
)
from ops.timeline import TimelineEntry, timeline
from workflows import search_attributes as sa
from workflows.messages import (
    WAIVE_COMPENSATION_UPDATE,
    WITHDRAW_UPDATE,
    WORKFLOW_NAME,
    WaiveCompensationRequest,
    WaiveCompensationResult,
    WithdrawRequest,
    WithdrawResult,
)
from workflows.signup import (
    InvalidSwitchRequest,
    SwitchRequest,
    SwitchTimings,
    request_switch,
    validate_request,
)


@dataclass(frozen=True)
class Started:
    switch_id: str
    created: bool
    status: str


@dataclass(frozen=True)
class SwitchReport:
    state: SwitchState
    execution: str
    timeline: tuple[TimelineEntry, ...]


@dataclass(frozen=True)
class SwitchSummary:
    switch_id: str
    status: str
    fuel: str
    supply_start_date: date | None
    deadline_missed: bool
    compensation_due: bool
    stuck: bool
    started_at: datetime | None


# --- start ---------------------------------------------------------------------------------


def request_from_json(path: Path) -> SwitchRequest:
    """A switch request from a JSON object whose keys are `SwitchRequest`'s fields."""
    try:
        raw = json.loads(path.read_text())
    except OSError as error:
        raise InvalidInput(f"cannot read {path}: {error.strerror}") from None
    except ValueError as error:
        raise InvalidInput(f"{path} is not JSON: {error}") from None
    if not isinstance(raw, dict):
        raise InvalidInput(f"{path} must hold one JSON object")
    return request_from_mapping(raw, str(path))


def request_from_mapping(raw: Mapping[str, Any], where: str) -> SwitchRequest:
    known = {f.name for f in fields(SwitchRequest)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InvalidInput(
            f"{where}: unknown field(s) {', '.join(unknown)}; expected {', '.join(sorted(known))}"
        )
    missing = sorted({"switch_id", "fuel", "mpxn"} - set(raw))
    if missing:
        raise InvalidInput(f"{where}: missing field(s) {', '.join(missing)}")
    values = dict(raw)
    ssd = values.get("requested_supply_start_date")
    if ssd is not None:
        values["requested_supply_start_date"] = _date(ssd, where)
    for name in ("switch_id", "fuel", "mpxn", "market_sector", "shipper_id"):
        if name in values and values[name] is not None and not isinstance(values[name], str):
            raise InvalidInput(f"{where}: {name} must be a string")
    for name in ("change_of_occupancy", "erroneous_transfer"):
        if name in values and not isinstance(values[name], bool):
            raise InvalidInput(f"{where}: {name} must be true or false")
    return SwitchRequest(**values)


def _date(value: object, where: str) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(f"{where}: requested_supply_start_date must be YYYY-MM-DD, got {value!r}")


def check_request(request: SwitchRequest, timings: SwitchTimings) -> None:
    try:
        validate_request(request, timings=timings)
    except InvalidSwitchRequest as error:
        raise InvalidInput(str(error)) from None


async def start_switch(
    client: Client, request: SwitchRequest, *, task_queue: str, timings: SwitchTimings
) -> Started:
    """Start a switch, validated first; starting one that exists reports it instead."""
    existing = await describe_or_none(client, request.switch_id)
    try:
        handle = await request_switch(client, request, task_queue=task_queue, timings=timings)
    except InvalidSwitchRequest as error:
        raise InvalidInput(str(error)) from None
    except RPCError as error:
        raise rpc_failure(error, request.switch_id) from None
    status = await status_attribute(handle)
    return Started(request.switch_id, existing is None, status)


# --- withdraw ------------------------------------------------------------------------------


async def withdraw_switch(client: Client, switch_id: str, reason: str) -> WithdrawResult:
    """Withdraw a switch; CSS's or the engine's refusal becomes `WithdrawalRefused`."""
    check_reason(reason)
    request = WithdrawRequest(reason)
    return await _update(client, switch_id, WITHDRAW_UPDATE, request, WithdrawResult, "withdraw")


async def waive_compensation(
    client: Client, switch_id: str, reason: str
) -> WaiveCompensationResult:
    """Waive the compensation a switch owes; the engine's refusal becomes `Refused`."""
    check_reason(reason, "a waiver")
    request = WaiveCompensationRequest(reason)
    return await _update(
        client, switch_id, WAIVE_COMPENSATION_UPDATE, request, WaiveCompensationResult, "waive"
    )


_R = TypeVar("_R")


async def _update(
    client: Client, switch_id: str, name: str, request: object, result: type[_R], what: str
) -> _R:
    """An operator's update of a running switch; its refusal becomes `WithdrawalRefused`
    (exit 5), with the engine's or CSS's reason."""
    handle = client.get_workflow_handle(switch_id)
    described = await describe(handle)
    if described.status is not WorkflowExecutionStatus.RUNNING:
        status = described.typed_search_attributes.get(sa.SWITCH_STATUS) or "finished"
        raise WithdrawalRefused(f"switch {switch_id} has ended ({status}); nothing to {what}")
    try:
        async with asyncio.timeout(WORKER_ANSWER_SECONDS):
            answer: _R = await handle.execute_update(name, request, result_type=result)
            return answer
    except WorkflowUpdateFailedError as error:
        cause = error.cause
        raise WithdrawalRefused(str(getattr(cause, "message", cause) or error)) from None
    except TimeoutError:
        raise no_worker(switch_id) from None
    except RPCError as error:
        raise rpc_failure(error, switch_id) from None


def check_reason(reason: str, what: str = "a withdrawal") -> None:
    if not reason.strip():
        raise InvalidInput(f"{what} needs a reason (--reason)")


# --- status --------------------------------------------------------------------------------


async def switch_report(client: Client, store: EventStore, switch_id: str) -> SwitchReport:
    """The switch's state from Temporal, and its timeline from the event store."""
    view = await workflow_view(client, switch_id)
    if view.state is None:
        if view.execution == WorkflowExecutionStatus.RUNNING.name:
            raise SwitchNotFound(f"switch {switch_id} has not recorded its request yet; try again")
        raise OperationError(f"switch {switch_id} ended {view.execution}; it holds no state")
    events = await store.read_stream(switch_id)
    return SwitchReport(view.state, view.execution, tuple(timeline(events)))


# --- list ----------------------------------------------------------------------------------


def list_query(status: str | None, deadline_missed: bool) -> str:
    clauses = [f"WorkflowType = '{WORKFLOW_NAME}'"]
    if status is not None:
        try:
            clauses.append(f"{sa.SWITCH_STATUS.name} = '{Status(status.strip().upper())}'")
        except ValueError:
            allowed = ", ".join(s.value for s in Status)
            raise InvalidInput(f"unknown status {status!r}; one of {allowed}") from None
    if deadline_missed:
        clauses.append(f"{sa.DEADLINE_MISSED.name} = true")
    return " AND ".join(clauses)


async def list_switches(client: Client, query: str, limit: int) -> list[SwitchSummary]:
    found: list[SwitchSummary] = []
    try:
        async for execution in client.list_workflows(query, limit=limit):
            attrs = execution.typed_search_attributes
            ssd = attrs.get(sa.SUPPLY_START_DATE)
            found.append(
                SwitchSummary(
                    switch_id=execution.id,
                    status=attrs.get(sa.SWITCH_STATUS) or "-",
                    fuel=attrs.get(sa.FUEL) or "-",
                    supply_start_date=ssd.date() if ssd else None,
                    deadline_missed=bool(attrs.get(sa.DEADLINE_MISSED)),
                    compensation_due=bool(attrs.get(sa.COMPENSATION_DUE)),
                    stuck=bool(attrs.get(sa.SWITCH_STUCK)),
                    started_at=execution.start_time,
                )
            )
    except RPCError as error:
        raise rpc_failure(error, None) from None
    return found
