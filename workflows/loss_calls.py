"""What the loss workflow does outside its own code: activities (each with its timeouts,
retry policy and a summary the Temporal UI shows), durable waits, recording events, and
showing the loss to operators (search attributes and current details).

Workflow code only: these run inside the workflow and schedule commands.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.contracts import CSS_NON_RETRYABLE, STORE_NON_RETRYABLE, Activity
    from activities.loss_contracts import (
        ACCOUNTS_NON_RETRYABLE,
        APPEND_LOSS_EVENTS,
        ASSESS_OBJECTION,
        SEND_DEADLINE_PASSED,
        AppendInput,
        AssessInput,
        AssessResult,
    )
    from domain.loss import LossCommand, decide, fold
    from domain.loss_events import (
        LOSS_SCHEMA_VERSIONS,
        LossEvent,
        LossNotificationApplied,
        loss_event_to_record,
    )
    from domain.loss_state import LossState
    from domain.objection_policy import LossCase, ReviewPolicy, unassessed
    from workflows import search_attributes as sa
    from workflows.loss_messages import loss_workflow_id
    from workflows.recording import stream_record

I = TypeVar("I")  # noqa: E741 (an activity's input type, beside R for its result's)
R = TypeVar("R")

_STORE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=30),
    non_retryable_error_types=list(STORE_NON_RETRYABLE),
)
#: Sends retry often: their deadline is near, and every attempt checks it again.
_SEND_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    maximum_interval=timedelta(seconds=30),
    non_retryable_error_types=[*CSS_NON_RETRYABLE, SEND_DEADLINE_PASSED],
)
_ACCOUNTS_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    maximum_interval=timedelta(minutes=1),
    non_retryable_error_types=list(ACCOUNTS_NON_RETRYABLE),
)
_LOCAL_RETRY = RetryPolicy(maximum_attempts=5)
_ATTEMPT = timedelta(seconds=30)


async def call(contract: Activity[I, R], arg: I, summary: str) -> R:
    """A local computation (the calendar): short, retried a few times."""
    result: R = await workflow.execute_activity(
        contract.name,
        arg,
        result_type=contract.result_type,
        start_to_close_timeout=timedelta(seconds=10),
        retry_policy=_LOCAL_RETRY,
        summary=summary,
    )
    return result


async def assess(
    mpxn: str, case: LossCase, on: date, review: ReviewPolicy, by: datetime
) -> AssessResult:
    """The account read and assessed; billing unreachable until `by` gives no objection and a
    person to look."""
    try:
        result: AssessResult = await workflow.execute_activity(
            ASSESS_OBJECTION.name,
            AssessInput(mpxn, case, on, review),
            result_type=AssessResult,
            schedule_to_close_timeout=until(by),
            start_to_close_timeout=min(_ATTEMPT, until(by)),
            retry_policy=_ACCOUNTS_RETRY,
            summary="read the account and assess an objection",
        )
    except ActivityError as error:
        reason = f"the billing system did not answer in time: {cause_of(error)}"
        return AssessResult(unassessed(reason), None)
    return result


async def send(contract: Activity[I, R], arg: I, not_after: datetime, summary: str) -> R:
    """A request to CSS: every attempt scheduled before `not_after`, none after it."""
    remaining = until(not_after)
    result: R = await workflow.execute_activity(
        contract.name,
        arg,
        result_type=contract.result_type,
        schedule_to_close_timeout=remaining,
        start_to_close_timeout=min(_ATTEMPT, remaining),
        retry_policy=_SEND_RETRY,
        summary=summary,
    )
    return result


def cause_of(error: ActivityError) -> str:
    cause = error.cause
    return str(getattr(cause, "message", None) or cause or error)


def until(at: datetime) -> timedelta:
    return max(at - workflow.now(), timedelta(0))


async def wait(condition: Callable[[], bool], limit: timedelta, summary: str) -> None:
    """Wait for a condition or a durable timer, whichever comes first."""
    if condition():
        return
    if limit <= timedelta(0):
        return
    with contextlib.suppress(TimeoutError):
        await workflow.wait_condition(condition, timeout=limit, timeout_summary=summary)


# --- recording -----------------------------------------------------------------------------


async def apply(before: LossState | None, command: LossCommand, causation: str) -> LossState:
    """Decide, record, then evolve: the workflow never holds a state the store lacks."""
    events = decide(before, command)
    if not events:
        assert before is not None, "the first command of a loss always records an event"
        return before
    version = 0 if before is None else before.version
    stream = loss_workflow_id(_loss_id(before, events))
    records = [
        stream_record(
            stream,
            version + i + 1,
            loss_event_to_record(event),
            LOSS_SCHEMA_VERSIONS,
            causation,
            event.notification.message_id if isinstance(event, LossNotificationApplied) else None,
        )
        for i, event in enumerate(events)
    ]
    await workflow.execute_activity(
        APPEND_LOSS_EVENTS.name,
        AppendInput(stream_id=stream, expected_version=version, events=records),
        result_type=APPEND_LOSS_EVENTS.result_type,
        start_to_close_timeout=_ATTEMPT,
        retry_policy=_STORE_RETRY,
        summary=f"record {', '.join(type(e).__name__ for e in events)}",
    )
    after = fold(events, before)
    assert after is not None
    return after


def _loss_id(before: LossState | None, events: list[LossEvent]) -> str:
    if before is not None:
        return before.loss_id
    first = events[0]
    assert isinstance(first, LossNotificationApplied)
    return first.notification.registration_id


# --- showing -------------------------------------------------------------------------------


def show(before: LossState | None, after: LossState) -> None:
    """Search attributes for what changed, and the loss in a line or two for the UI."""
    updates: list[SearchAttributeUpdate[Any]] = []
    if before is None:
        updates.append(sa.DIRECTION.value_set(sa.LOSS))
    if before is None or before.status is not after.status:
        updates.append(sa.LOSS_STATUS.value_set(after.status.value))
    if before is None or before.decision_label is not after.decision_label:
        updates.append(sa.LOSS_DECISION.value_set(after.decision_label.value))
    if after.fuel is not None and (before is None or before.fuel is None):
        updates.append(sa.FUEL.value_set(after.fuel.value))
    ssd = after.supply_start_date
    if ssd is not None and (before is None or before.supply_start_date != ssd):
        updates.append(sa.SUPPLY_START_DATE.value_set(datetime.combine(ssd, time(0), tzinfo=UTC)))
    bill = after.final_bill_label
    if bill is not None and (before is None or before.final_bill_label != bill):
        updates.append(sa.FINAL_BILL.value_set(bill))
    if after.final_bill_overdue and (before is None or not before.final_bill_overdue):
        updates.append(sa.COMPENSATION_DUE.value_set(True))
    if updates:
        workflow.upsert_search_attributes(updates)
    workflow.set_current_details(details(after))


def details(state: LossState) -> str:
    lines = [f"**Loss {state.loss_id}**: {state.status.value}, decision {state.decision_label}"]
    if state.objection_window_end is not None and state.window_open:
        lines.append(f"objection window closes {state.objection_window_end.isoformat()}")
    if state.assessment is not None and state.assessment.review_reason and state.decision is None:
        lines.append(f"waiting for an operator: {state.assessment.review_reason}")
    for outcome in (state.objection, state.lift, state.annulment):
        if outcome is not None:
            lines.append(
                f"{outcome.request.value.lower()}: {outcome.result.value} {outcome.detail}"
            )
    if state.final_bill_due is not None and state.final_bill_sent_on is None:
        lines.append(f"final bill due by {state.final_bill_due.isoformat()}")
    return "\n\n".join(lines)
