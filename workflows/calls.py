"""The activities the switch workflow calls, each with its timeout and retry policy.

Workflow code only: these run inside a workflow and schedule activities.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from activities.deadlines import (
    DeadlineActivities,
    DeadlinesInput,
    DeadlinesResult,
    SupplyDeadlinesInput,
    SupplyStartDateCheck,
)
from activities.events import AppendInput, EventActivities
from activities.registration import NON_RETRYABLE as CSS_NON_RETRYABLE
from activities.registration import (
    ReadInput,
    ReadResult,
    RegistrationActivities,
    SubmitInput,
    SubmitResult,
    WithdrawInput,
    WithdrawOutcome,
)
from domain.calendar import SupplyDeadlines
from domain.events import Event
from domain.identifiers import MarketSector
from domain.switch import SwitchState
from workflows.recording import event_records

STORE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=30),
    non_retryable_error_types=["ConcurrencyError", "StoreIntegrityError"],
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


async def append(switch_id: str, version: int, events: list[Event], causation: str) -> None:
    records = event_records(switch_id, version, events, causation)
    await workflow.execute_activity_method(
        EventActivities.append_switch_events,
        AppendInput(stream_id=switch_id, expected_version=version, events=records),
        start_to_close_timeout=_REMOTE,
        retry_policy=STORE_RETRY,
    )


async def supply_start_date_refusal(
    reaches_css_at: datetime, sector: MarketSector, ssd: date
) -> str | None:
    """Why the holiday table refuses the requested SSD, or None (the verdict is recorded)."""
    verdict = await workflow.execute_activity_method(
        DeadlineActivities.check_supply_start_date,
        SupplyStartDateCheck(reaches_css_at, sector, ssd),
        start_to_close_timeout=_LOCAL,
        retry_policy=LOCAL_RETRY,
    )
    return verdict.refusal


async def supply_deadlines(
    submitted_at: datetime, sector: MarketSector, requested: date | None
) -> SupplyDeadlines:
    return await workflow.execute_activity_method(
        DeadlineActivities.compute_supply_deadlines,
        SupplyDeadlinesInput(submitted_at, sector, requested),
        start_to_close_timeout=_LOCAL,
        retry_policy=LOCAL_RETRY,
    )


async def earlier_deadlines(
    submitted_at: datetime, sector: MarketSector, requested: date | None
) -> DeadlinesResult:
    return await workflow.execute_activity_method(
        DeadlineActivities.compute_deadlines,
        DeadlinesInput(submitted_at, sector, requested),
        start_to_close_timeout=_LOCAL,
        retry_policy=LOCAL_RETRY,
    )


async def submit(message_id: str, sent_at: datetime, state: SwitchState) -> SubmitResult:
    return await workflow.execute_activity_method(
        RegistrationActivities.submit_registration,
        SubmitInput(message_id=message_id, sent_at=sent_at, state=state),
        start_to_close_timeout=_REMOTE,
        retry_policy=CSS_RETRY,
    )


async def withdraw(registration_id: str, message_id: str, reason: str) -> WithdrawOutcome:
    return await workflow.execute_activity_method(
        RegistrationActivities.withdraw_registration,
        WithdrawInput(registration_id=registration_id, message_id=message_id, reason=reason),
        start_to_close_timeout=_REMOTE,
        retry_policy=CSS_RETRY,
    )


async def read_registration(registration_id: str, retry: RetryPolicy, why: str) -> ReadResult:
    """What CSS holds; a read that failed tells nothing (kind None), and a later one asks
    again."""
    try:
        return await workflow.execute_activity_method(
            RegistrationActivities.read_registration,
            ReadInput(registration_id),
            start_to_close_timeout=_REMOTE,
            retry_policy=retry,
        )
    except ActivityError as error:
        workflow.logger.warning("%s: reading the registration failed: %s", why, error.cause)
        return ReadResult(kind=None)
