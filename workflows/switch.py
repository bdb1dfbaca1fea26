"""SwitchWorkflow: one durable workflow per meter-point switch (workflow id = switch id).

The workflow owns orchestration only. Every change of state goes through the domain decider
(`decide` then `evolve`) and is appended to the event store before the workflow relies on
it, so the event stream folded through the same decider always lands on the workflow's
state. CSS notifications decide the outcome; the workflow's own timers only raise flags or
trigger a reconciliation (asking CSS), never assume an outcome.

Every mutation runs under one lock: signal and update handlers are async and would otherwise
interleave their appends, and a withdrawal must not race the submission it would cancel.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Callable, Coroutine
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.contracts import (
        APPEND_SWITCH_EVENTS,
        COMPUTE_DEADLINES,
        CSS_NON_RETRYABLE,
        CSS_REFUSED,
        READ_REGISTRATION,
        STORE_NON_RETRYABLE,
        SUBMIT_REGISTRATION,
        WITHDRAW_REGISTRATION,
        Activity,
        AppendInput,
        DeadlinesInput,
        EventRecord,
        ReadInput,
        ReadResult,
        SubmitInput,
        WithdrawInput,
    )
    from domain.events import SCHEMA_VERSIONS, Event, NotificationApplied, event_to_record
    from domain.lifecycle import Status
    from domain.notification import Notification

    # The sandbox resolves a payload type's annotations in its own module, so every module
    # defining a type the payloads carry is imported here, used or not.
    from domain.request import SwitchDetails  # noqa: F401
    from domain.switch import (
        ApplyNotification,
        Command,
        FlagStuck,
        MarkCompensationDue,
        MarkDeadlineMissed,
        RecordDeadlines,
        RecordSubmission,
        RecordSubmissionRefused,
        RecordWithdrawalRefused,
        RequestSwitch,
        SwitchState,
        TransitionRefused,
        Withdraw,
        decide,
        fold,
    )
    from workflows import search_attributes as sa
    from workflows.messages import (
        NOTIFICATION_SIGNAL,
        STATUS_QUERY,
        WITHDRAW_UPDATE,
        WORKFLOW_NAME,
        SwitchInput,
        SwitchResult,
        WithdrawRequest,
        WithdrawResult,
    )

MAX_RECONCILE_BACKOFF = timedelta(days=1)

_STORE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=30),
    non_retryable_error_types=list(STORE_NON_RETRYABLE),
)
_CSS_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=list(CSS_NON_RETRYABLE),
)
_LOCAL_RETRY = RetryPolicy(maximum_attempts=5)

I = TypeVar("I")  # noqa: E741 (an activity's input type, beside R for its result's)
R = TypeVar("R")


async def _call(contract: Activity[I, R], arg: I, limit: timedelta, retry_policy: RetryPolicy) -> R:
    """Run an activity by its contract: its name, and the type its result decodes to."""
    result: R = await workflow.execute_activity(
        contract.name,
        arg,
        result_type=contract.result_type,
        start_to_close_timeout=limit,
        retry_policy=retry_policy,
    )
    return result


@workflow.defn(name=WORKFLOW_NAME)
class SwitchWorkflow:
    def __init__(self) -> None:
        self._state: SwitchState | None = None
        self._lock = asyncio.Lock()
        self._reconciled_this_run = 0
        self._renew_after = SwitchInput.reconciliations_per_run
        self._tasks: list[asyncio.Task[None]] = []

    # --- run ---------------------------------------------------------------------------------

    @workflow.run
    async def run(self, inp: SwitchInput) -> SwitchResult:
        self._renew_after = inp.reconciliations_per_run
        if inp.carried_state is not None:
            self._state = inp.carried_state
        else:
            await self._execute(_request_command(inp, workflow.now()), "signup")
        if self.state.status is Status.REQUESTED:
            await self._hold_then_submit(inp)
        if not self.state.terminal:
            self._start_timers(inp)
            await workflow.wait_condition(lambda: self.state.terminal or self._time_to_renew())
        await workflow.wait_condition(workflow.all_handlers_finished)
        if not self.state.terminal:
            async with self._lock:
                workflow.continue_as_new(replace(inp, carried_state=self.state))
        return SwitchResult(self.state.switch_id, self.state.status, self.state)

    @property
    def state(self) -> SwitchState:
        assert self._state is not None, "the switch is recorded before anything reads it"
        return self._state

    def _time_to_renew(self) -> bool:
        return (
            self._reconciled_this_run >= self._renew_after
            or workflow.info().is_continue_as_new_suggested()
        )

    async def _hold_then_submit(self, inp: SwitchInput) -> None:
        """Hold for the withdrawal window, then compute deadlines and submit to CSS."""
        await _wait(
            lambda: self.state.status is not Status.REQUESTED,
            timedelta(seconds=inp.withdrawal_window_seconds),
        )
        # Under the lock, a withdrawal arriving now waits and then sees SUBMITTED, so it
        # goes to CSS instead of being taken as a withdrawal before submission.
        async with self._lock:
            if self.state.status is Status.REQUESTED:
                await self._submit(inp)

    async def _submit(self, inp: SwitchInput) -> None:
        now = workflow.now()
        details = self.state.details
        deadlines = await _call(
            COMPUTE_DEADLINES,
            DeadlinesInput(now, details.market_sector, details.requested_supply_start_date),
            timedelta(seconds=10),
            _LOCAL_RETRY,
        )
        await self._apply(
            RecordDeadlines(**dataclasses.asdict(deadlines), at=now),
            "calendar",
        )
        # One message id per switch: a post that timed out after CSS accepted it is resent
        # with the same id, and CSS answers with the registration it already holds.
        message_id = f"{self.state.switch_id}:registration"
        ssd = self.state.supply_start_date
        assert ssd is not None, "the deadlines just recorded fix the supply start date"
        try:
            ack = await _call(
                SUBMIT_REGISTRATION,
                SubmitInput(message_id, now, ssd, details),
                timedelta(seconds=30),
                _CSS_RETRY,
            )
        except ActivityError as error:
            refusal = _css_refusal(error)
            if refusal is None:
                raise
            await self._apply(RecordSubmissionRefused(*refusal, at=workflow.now()), "css")
            return
        await self._apply(RecordSubmission(ack.registration_id, message_id, now), "css")

    # --- timers ------------------------------------------------------------------------------

    def _start_timers(self, inp: SwitchInput) -> None:
        state = self.state
        if state.two_day_target is not None and not state.deadline_missed:
            self._spawn(self._flag_at(state.two_day_target, MarkDeadlineMissed, "timer:target"))
        if state.backstop is not None and not state.compensation_due:
            self._spawn(self._flag_at(state.backstop, MarkCompensationDue, "timer:backstop"))
        if not state.outcome_known:
            self._spawn(
                self._watch_objection_window(timedelta(seconds=inp.reconcile_grace_seconds))
            )

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        # Held so the tasks are not collected; they end with the run, and what they achieved
        # lives in SwitchState, which a continued run carries over.
        self._tasks.append(asyncio.create_task(coroutine))

    async def _flag_at(
        self,
        at: datetime,
        make: Callable[[datetime], MarkDeadlineMissed | MarkCompensationDue],
        causation: str,
    ) -> None:
        await _sleep_until(at)
        await self._execute(make(workflow.now()), causation)

    async def _watch_objection_window(self, grace: timedelta) -> None:
        """Wait for CSS's outcome; past the window and its grace, ask CSS, with backoff."""
        while not self.state.outcome_known:
            end = self.state.objection_window_end
            remaining = _until(end + grace) if end is not None else timedelta(0)
            if remaining <= timedelta(0):
                break
            await _wait(self._window_moved_or_outcome(end), remaining)
        backoff = grace
        while not self.state.outcome_known and self._reconciled_this_run < self._renew_after:
            await self._reconcile()
            if self.state.outcome_known:
                return
            await _wait(lambda: self.state.outcome_known, backoff)
            backoff = min(backoff * 2, MAX_RECONCILE_BACKOFF)

    def _window_moved_or_outcome(self, end: datetime | None) -> Callable[[], bool]:
        # CSS's VALIDATED carries the real window end, which replaces our estimate.
        return lambda: self.state.outcome_known or self.state.objection_window_end != end

    async def _reconcile(self) -> None:
        self._reconciled_this_run += 1
        attempt = self.state.reconciliations + 1
        registration_id = self.state.registration_id
        assert registration_id is not None
        try:
            found = await _call(
                READ_REGISTRATION, ReadInput(registration_id), timedelta(seconds=30), _CSS_RETRY
            )
        except ActivityError as error:
            # A read CSS refused, or whose answer failed verification, tells us nothing: the
            # switch is flagged below and the next attempt asks again.
            workflow.logger.warning("reconciliation %s failed: %s", attempt, error.cause)
            found = ReadResult(kind=None)
        causation = f"reconciliation:{attempt}"
        message_id = f"{self.state.switch_id}:reconciliation:{attempt}"
        read_back = found.as_notification(message_id, registration_id, workflow.now())
        if read_back is not None:
            await self._execute(ApplyNotification(read_back, "reconciliation"), causation)
        await self._execute(FlagStuck(attempt=attempt, at=workflow.now()), causation)

    # --- handlers ----------------------------------------------------------------------------

    @workflow.signal(name=NOTIFICATION_SIGNAL)
    async def notification(self, signal: Notification) -> None:
        # CSS may notify before the submission activity has returned its registration id.
        await workflow.wait_condition(
            lambda: (
                self._state is not None
                and (self._state.registration_id is not None or self._state.terminal)
            )
        )
        try:
            await self._execute(ApplyNotification(signal), f"css:{signal.message_id}")
        except TransitionRefused as refused:
            # Stored by the receiver already; refusing here must not fail the workflow task.
            workflow.logger.warning("notification %s not applied: %s", signal.message_id, refused)

    @workflow.update(name=WITHDRAW_UPDATE)
    async def withdraw(self, request: WithdrawRequest) -> WithdrawResult:
        async with self._lock:
            try:
                await self._apply(Withdraw(request.reason, workflow.now()), "operator")
            except TransitionRefused as refused:
                raise ApplicationError(str(refused), type="WithdrawRefused") from None
            if self.state.status is Status.WITHDRAWN:
                return WithdrawResult(
                    Status.WITHDRAWN, "withdrawn before submission; CSS was not told"
                )
            return await self._withdraw_at_css(request)

    @withdraw.validator
    def _validate_withdraw(self, request: WithdrawRequest) -> None:
        if not request.reason.strip():
            raise ValueError("a withdrawal needs a reason")
        if self._state is None:
            raise ValueError("the switch is not recorded yet; try again in a moment")
        decide(self._state, Withdraw(request.reason, self._state.updated_at))

    async def _withdraw_at_css(self, request: WithdrawRequest) -> WithdrawResult:
        registration_id = self.state.registration_id
        assert registration_id is not None
        outcome = await _call(
            WITHDRAW_REGISTRATION,
            WithdrawInput(
                registration_id=registration_id,
                message_id=f"{self.state.switch_id}:withdrawal:{self.state.version}",
                reason=request.reason,
            ),
            timedelta(seconds=30),
            _CSS_RETRY,
        )
        if outcome.refused_reason_code is not None:
            refused = RecordWithdrawalRefused(
                outcome.refused_reason_code, outcome.detail, workflow.now()
            )
            await self._apply(refused, "css")
            raise ApplicationError(
                f"CSS refused the withdrawal ({outcome.refused_reason_code}): {outcome.detail}",
                type="WithdrawRefused",
            )
        return WithdrawResult(
            self.state.status, "withdrawal sent to CSS; it ends when CSS confirms"
        )

    @workflow.query(name=STATUS_QUERY)
    def status(self) -> SwitchState | None:
        return self._state

    # --- applying commands -------------------------------------------------------------------

    async def _execute(self, command: Command, causation: str) -> list[Event]:
        async with self._lock:
            return await self._apply(command, causation)

    async def _apply(self, command: Command, causation: str) -> list[Event]:
        """Decide, record, then evolve: the workflow never holds a state the store lacks."""
        events = decide(self._state, command)
        if not events:
            return events
        before = self._state
        version = 0 if before is None else before.version
        switch_id = _switch_id(before, command)
        records = [
            _record(switch_id, version + i + 1, event, causation) for i, event in enumerate(events)
        ]
        await _call(
            APPEND_SWITCH_EVENTS,
            AppendInput(stream_id=switch_id, expected_version=version, events=records),
            timedelta(seconds=30),
            _STORE_RETRY,
        )
        self._state = fold(events, before)
        _upsert_search_attributes(before, self.state)
        return events


# --- helpers (pure or deterministic) ---------------------------------------------------------


def _request_command(inp: SwitchInput, now: datetime) -> RequestSwitch:
    return RequestSwitch(inp.switch_id, inp.details, now)


def _switch_id(state: SwitchState | None, command: Command) -> str:
    if state is not None:
        return state.switch_id
    assert isinstance(command, RequestSwitch)
    return command.switch_id


def _record(switch_id: str, version: int, event: Event, causation: str) -> EventRecord:
    type_name, data = event_to_record(event)
    metadata: dict[str, Any] = {
        "correlation_id": switch_id,
        "causation_id": causation,
        "workflow_run_id": workflow.info().run_id,
    }
    if isinstance(event, NotificationApplied):
        key = event.notification.message_id
        metadata["css_message_id"] = key
    else:
        key = f"{switch_id}/{version}"
    return EventRecord(
        type=type_name,
        data=data,
        idempotency_key=key,
        schema_version=SCHEMA_VERSIONS[type_name],
        metadata=metadata,
    )


def _css_refusal(error: ActivityError) -> tuple[str, str] | None:
    """(reason code, detail) when CSS refused the request outright, else None."""
    cause = error.cause
    if isinstance(cause, ApplicationError) and cause.type == CSS_REFUSED:
        details = list(cause.details)
        if len(details) == 2:
            return str(details[0]), str(details[1])
        return "REJECTED", cause.message
    return None


def _upsert_search_attributes(before: SwitchState | None, after: SwitchState) -> None:
    updates: list[SearchAttributeUpdate[Any]] = []
    if before is None or before.status is not after.status:
        updates.append(sa.SWITCH_STATUS.value_set(after.status.value))
    if before is None:
        updates.append(sa.FUEL.value_set(after.details.fuel.value))
    if after.supply_start_date is not None and (
        before is None or before.supply_start_date != after.supply_start_date
    ):
        midnight = datetime.combine(after.supply_start_date, time(0), tzinfo=UTC)
        updates.append(sa.SUPPLY_START_DATE.value_set(midnight))
    for key, attr in (
        (sa.DEADLINE_MISSED, "deadline_missed"),
        (sa.COMPENSATION_DUE, "compensation_due"),
        (sa.SWITCH_STUCK, "stuck"),
    ):
        if before is None or getattr(before, attr) != getattr(after, attr):
            updates.append(key.value_set(getattr(after, attr)))
    if updates:
        workflow.upsert_search_attributes(updates)


def _until(at: datetime) -> timedelta:
    return at - workflow.now()


async def _sleep_until(at: datetime) -> None:
    remaining = _until(at)
    if remaining > timedelta(0):
        await asyncio.sleep(remaining.total_seconds())


async def _wait(condition: Callable[[], bool], limit: timedelta) -> None:
    """Wait for a condition or a durable timer, whichever comes first."""
    with contextlib.suppress(TimeoutError):
        await workflow.wait_condition(condition, timeout=limit)
