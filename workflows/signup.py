"""Starting a switch: what the signup service calls.

Everything is validated before anything starts, so a bad request leaves no trace in Temporal.
The workflow id is the switch id: starting the same switch twice returns the switch already
there (running or finished), never a second one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from domain.calendar import WorkingDayCalendar, england_and_wales
from domain.errors import DomainError
from domain.identifiers import Fuel, MarketSector, parse_mpid, parse_mpxn
from domain.request import SwitchDetails
from workflows.messages import TASK_QUEUE, WORKFLOW_NAME, SwitchInput, SwitchResult

# Letters, digits and a few separators: a switch id is a reference, never a customer's name.
_SWITCH_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


_E = TypeVar("_E", Fuel, MarketSector)


class InvalidSwitchRequest(DomainError):
    """The request cannot start a switch; the message names the field and the problem."""


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
    if not _SWITCH_ID.fullmatch(request.switch_id):
        raise InvalidSwitchRequest(
            f"switch_id {request.switch_id!r} must be 1-64 letters, digits or . _ : - "
            "(starting with a letter or digit)"
        )
    fuel = _enum(Fuel, request.fuel, "fuel")
    sector = _enum(MarketSector, request.market_sector, "market_sector")
    try:
        mpxn = str(parse_mpxn(request.mpxn, fuel))
        shipper = None if request.shipper_id is None else str(parse_mpid(request.shipper_id))
        calendar = calendar or england_and_wales()
        # Checked as of when it will reach CSS, after the withdrawal window.
        reaches_css = (now or datetime.now(UTC)) + timings.withdrawal_window
        calendar.check_supply_start_date(reaches_css, request.requested_supply_start_date, sector)
    except DomainError as error:
        raise InvalidSwitchRequest(str(error)) from None
    if fuel is Fuel.GAS and shipper is None:
        raise InvalidSwitchRequest("shipper_id is required for a gas switch")
    details = SwitchDetails(
        fuel=fuel,
        mpxn=mpxn,
        market_sector=sector,
        requested_supply_start_date=request.requested_supply_start_date,
        change_of_occupancy=request.change_of_occupancy,
        erroneous_transfer=request.erroneous_transfer,
        shipper_id=shipper,
    )
    return SwitchInput(
        switch_id=request.switch_id,
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


def _enum(kind: type[_E], value: str, field: str) -> _E:
    try:
        return kind(value.strip().upper())
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise InvalidSwitchRequest(f"{field} {value!r} is not one of {allowed}") from None
