"""The activities the switch workflow calls, each by its contract, timeout and retry policy.

Workflow code only: these run inside a workflow and schedule activities by name
(`activities.contracts`), so the workflow loads none of their implementations.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from typing import TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from activities.contracts import (
    APPEND_SWITCH_EVENTS,
    CHECK_SUPPLY_START_DATE,
    COMPUTE_DEADLINES,
    COMPUTE_SUPPLY_DEADLINES,
    CSS_NON_RETRYABLE,
    READ_REGISTRATION,
    STORE_NON_RETRYABLE,
    SUBMIT_REGISTRATION,
    WITHDRAW_REGISTRATION,
    Activity,
    AppendInput,
    DeadlinesInput,
    DeadlinesResult,
    ReadInput,
    ReadResult,
    SubmitInput,
    SubmitResult,
    SupplyDeadlinesInput,
    SupplyStartDateCheck,
    WithdrawInput,
    WithdrawOutcome,
)
from domain.calendar import SupplyDeadlines
from domain.events import Event
from domain.identifiers import MarketSector
from domain.request import SwitchDetails
from workflows.recording import event_records

STORE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=30),
    non_retryable_error_types=list(STORE_NON_RETRYABLE),
)
CSS_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=list(CSS_NON_RETRYABLE),
)
#: A deadline's read-back gives up soon: with CSS down the flag must still be raised.
READ_BACK_RETRY = dataclasses.replace(
    CSS_RETRY, maximum_interval=timedelta(minutes=1), maximum_attempts=5
)
LOCAL_RETRY = RetryPolicy(maximum_attempts=5)
_LOCAL = timedelta(seconds=10)
_REMOTE = timedelta(seconds=30)

I = TypeVar("I")  # noqa: E741 (an activity's input type, beside R for its result's)
R = TypeVar("R")


async def _call(
    contract: Activity[I, R], arg: I, limit: timedelta, retry_policy: RetryPolicy, summary: str
) -> R:
    """Run an activity by its contract: its name, and the type its result decodes to. The
    summary is what the Temporal UI shows for the call."""
    result: R = await workflow.execute_activity(
        contract.name,
        arg,
        result_type=contract.result_type,
        start_to_close_timeout=limit,
        retry_policy=retry_policy,
        summary=summary,
    )
    return result


async def append(switch_id: str, version: int, events: list[Event], causation: str) -> None:
    records = event_records(switch_id, version, events, causation)
    inp = AppendInput(stream_id=switch_id, expected_version=version, events=records)
    names = ", ".join(type(event).__name__ for event in events)
    await _call(APPEND_SWITCH_EVENTS, inp, _REMOTE, STORE_RETRY, f"record {names}")


async def supply_start_date_refusal(
    reaches_css_at: datetime, sector: MarketSector, ssd: date
) -> str | None:
    """Why the holiday table refuses the requested SSD, or None (the verdict is recorded)."""
    check = SupplyStartDateCheck(reaches_css_at, sector, ssd)
    summary = f"check the requested supply start date {ssd}"
    return (await _call(CHECK_SUPPLY_START_DATE, check, _LOCAL, LOCAL_RETRY, summary)).refusal


async def supply_deadlines(
    received_at: datetime, sector: MarketSector, requested: date | None
) -> SupplyDeadlines:
    inp = SupplyDeadlinesInput(received_at, sector, requested)
    summary = "work out the target and backstop supply start dates"
    return await _call(COMPUTE_SUPPLY_DEADLINES, inp, _LOCAL, LOCAL_RETRY, summary)


async def earlier_deadlines(
    submitted_at: datetime, sector: MarketSector, requested: date | None
) -> DeadlinesResult:
    inp = DeadlinesInput(submitted_at, sector, requested)
    summary = "work out the deadlines (earlier rules)"
    return await _call(COMPUTE_DEADLINES, inp, _LOCAL, LOCAL_RETRY, summary)


async def submit(
    message_id: str, sent_at: datetime, ssd: date | None, details: SwitchDetails
) -> SubmitResult:
    inp = SubmitInput(message_id, sent_at, ssd, details)
    summary = "submit the registration request to CSS"
    return await _call(SUBMIT_REGISTRATION, inp, _REMOTE, CSS_RETRY, summary)


async def withdraw(registration_id: str, message_id: str, reason: str) -> WithdrawOutcome:
    inp = WithdrawInput(registration_id=registration_id, message_id=message_id, reason=reason)
    summary = "ask CSS to withdraw the registration"
    return await _call(WITHDRAW_REGISTRATION, inp, _REMOTE, CSS_RETRY, summary)


async def read_registration(registration_id: str, retry: RetryPolicy, why: str) -> ReadResult:
    """What CSS holds; a read that failed tells nothing (kind None), and a later one asks
    again."""
    try:
        summary = f"read the registration back from CSS ({why})"
        return await _call(READ_REGISTRATION, ReadInput(registration_id), _REMOTE, retry, summary)
    except ActivityError as error:
        workflow.logger.warning("%s: reading the registration failed: %s", why, error.cause)
        return ReadResult(kind=None)
