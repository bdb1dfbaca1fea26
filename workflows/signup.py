"""Starting a switch: what the signup service calls.

Everything is validated before anything starts, so a bad request leaves no trace in Temporal.
The workflow id is the switch id: starting the same switch twice returns the switch already
there (running or finished), never a second one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from domain.calendar import WorkingDayCalendar, england_and_wales
from domain.switch_request import InvalidSwitchRequest, check_fields, check_supply_start_date
from workflows.messages import TASK_QUEUE, WORKFLOW_NAME, SwitchInput, SwitchResult

__all__ = [
    "InvalidSwitchRequest",
    "SwitchRequest",
    "SwitchTimings",
    "request_switch",
    "validate_request",
]


@dataclass(frozen=True)
class SwitchRequest:
    """What signup captured, as it arrives (strings are checked and normalised here)."""

    switch_id: str
    fuel: str
    mpxn: str
    market_sector: str = "D"
    requested_supply_start_date: date | None = None
    change_of_occupancy: bool = False
    erroneous_transfer: bool = False
    shipper_id: str | None = None


@dataclass(frozen=True)
class SwitchTimings:
    withdrawal_window: timedelta = timedelta(seconds=SwitchInput.withdrawal_window_seconds)
    reconcile_grace: timedelta = timedelta(seconds=SwitchInput.reconcile_grace_seconds)


def validate_request(
    request: SwitchRequest,
    *,
    now: datetime | None = None,
    calendar: WorkingDayCalendar | None = None,
    timings: SwitchTimings | None = None,
) -> SwitchInput:
    """The workflow input for a request, or `InvalidSwitchRequest` saying what is wrong."""
    timings = timings or SwitchTimings()
    checked = check_fields(**asdict(request))
    details = checked.details
    # Checked as of when it will reach CSS, after the withdrawal window.
    reaches_css = (now or datetime.now(UTC)) + timings.withdrawal_window
    check_supply_start_date(
        calendar or england_and_wales(),
        reaches_css,
        details.requested_supply_start_date,
        details.market_sector,
    )
    return SwitchInput(
        switch_id=checked.switch_id,
        details=details,
        withdrawal_window_seconds=timings.withdrawal_window.total_seconds(),
        reconcile_grace_seconds=timings.reconcile_grace.total_seconds(),
    )


async def request_switch(
    client: Client,
    request: SwitchRequest,
    *,
    task_queue: str = TASK_QUEUE,
    timings: SwitchTimings | None = None,
    memo: Mapping[str, Any] | None = None,
) -> WorkflowHandle[object, SwitchResult]:
    """Start the switch (validated first); a duplicate returns the existing switch's handle.

    `memo` is shown to operators beside the switch and encrypted like every payload; any
    personal field in it must be sealed (`privacy.vault`), as the workflow never reads it."""
    inp = validate_request(request, timings=timings)
    try:
        return await client.start_workflow(
            WORKFLOW_NAME,
            inp,
            id=inp.switch_id,
            task_queue=task_queue,
            memo=dict(memo) if memo else None,
            result_type=SwitchResult,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    except WorkflowAlreadyStartedError:
        # Finished already: the id stays taken, and the caller gets that switch.
        return client.get_workflow_handle(inp.switch_id, result_type=SwitchResult)
