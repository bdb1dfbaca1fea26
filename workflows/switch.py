"""SwitchWorkflow: one durable workflow per meter-point switch (workflow id = switch id).

The workflow owns orchestration only. Every change of state goes through the domain decider
(`decide` then `evolve`) and is appended to the event store before the workflow relies on
it, so the event stream folded through the same decider always lands on the workflow's
state. CSS notifications decide the outcome; the workflow's own timers only raise flags or
trigger a reconciliation (asking CSS), never assume an outcome.

Every mutation runs under one lock: signal and update handlers are async and would otherwise
interleave their appends, and a withdrawal must not race the submission it would cancel.

Runs that began before the supply-date rules (no `SUPPLY_DATES_PATCH` marker in their
history) keep their shape: input decoded by the SDK, instant deadlines, a notification for
another registration refused. Every run since reads its own input (`workflows.input`),
judges deadlines by supply start dates (`domain.switch_deadlines`), records unmatched
notifications, follows the sector CSS holds and stays open for a compensation waiver.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Coroutine
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RawValue, RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    # The SDK decodes payloads inside the sandbox, resolving each dataclass's annotations in
    # its module: every module defining a type that arrives here (input, activity results)
    # must be imported in this block, even if only `workflows.calls` names the type.
    from activities import contracts  # noqa: F401
    from domain import calendar, notification, request, switch_state  # noqa: F401
    from domain.events import Event
    from domain.identifiers import MarketSector
    from domain.lifecycle import Status
    from domain.notification import Notification
    from domain.switch import (
        ApplyNotification,
        Command,
        Deadline,
        FlagStuck,
        MarkCompensationDue,
        MarkDeadlineMissed,
        PassGateClosure,
        RecordDeadlines,
        RecordSubmission,
        RecordSubmissionRefused,
        RecordSupplyDeadlines,
        RecordWithdrawalRefused,
        RequestSwitch,
        SwitchState,
        TransitionRefused,
        WaiveCompensation,
        Withdraw,
        decide,
        fold,
    )
    from domain.switch_deadlines import gate_closure
    from observability import business
    from workflows import calls
    from workflows import search_attributes as sa
    from workflows.details import Progress
    from workflows.input import request_command, start_input
    from workflows.messages import (
        NOTIFICATION_SIGNAL,
        STATUS_QUERY,
        WAIVE_COMPENSATION_UPDATE,
        WITHDRAW_UPDATE,
        WORKFLOW_NAME,
        SwitchInput,
        SwitchResult,
        WaiveCompensationRequest,
        WaiveCompensationResult,
        WithdrawRequest,
        WithdrawResult,
    )
    from workflows.recording import css_refusal
    from workflows.timers import sleep_until, until, wait

MAX_RECONCILE_BACKOFF = timedelta(days=1)
#: The marker of runs that follow the supply-date rules (see the module docstring).
SUPPLY_DATES_PATCH = "supply-date-deadlines"
#: Switches started since losses exist say which way they go (GAIN); older runs do not.
DIRECTION_PATCH = "direction-search-attribute"


@workflow.defn(name=WORKFLOW_NAME)
class SwitchWorkflow:
    def __init__(self) -> None:
        self._state: SwitchState | None = None
        self._lock = asyncio.Lock()
        self._reconciled_this_run = 0
        self._renew_after = SwitchInput.reconciliations_per_run
        self._tasks: list[asyncio.Task[None]] = []
        self._supply_dates = False
        self._progress = Progress()

    # --- run ---------------------------------------------------------------------------------

    @workflow.run
    async def run(self, raw: RawValue) -> SwitchResult:
        self._supply_dates = workflow.patched(SUPPLY_DATES_PATCH)
        inp = await start_input(raw, self._supply_dates)
        self._renew_after = inp.reconciliations_per_run
        if inp.carried_state is not None:
            self._state = inp.carried_state
            self._progress.show(self._state)
        else:
            await self._execute(request_command(inp, workflow.now()), "signup")
        if self.state.status is Status.REQUESTED:
            await self._hold_then_submit(inp)
        if not self.state.terminal:
            self._start_timers(inp)
            await workflow.wait_condition(lambda: self.state.terminal or self._time_to_renew())
        await workflow.wait_condition(workflow.all_handlers_finished)
        if not self.state.terminal:
            async with self._lock:
                workflow.continue_as_new(replace(inp, carried_state=self.state))
        if self._supply_dates and self.state.compensation_due:
            # Owed at the end: operations may still waive it, for a while.
            review = timedelta(seconds=inp.compensation_review_seconds)
            await self._wait("compensation review", lambda: not self.state.compensation_due, review)
            await workflow.wait_condition(workflow.all_handlers_finished)
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
        await self._wait(
            "withdrawal window",
            lambda: self.state.status is not Status.REQUESTED,
            timedelta(seconds=inp.withdrawal_window_seconds),
        )
        # Under the lock, a withdrawal arriving now waits and then sees SUBMITTED, so it
        # goes to CSS instead of being taken as a withdrawal before submission.
        async with self._lock:
            if self.state.status is Status.REQUESTED:
                await self._submit()

    async def _submit(self) -> None:
        now = workflow.now()
        if not self._supply_dates:
            await self._apply(await self._deadlines(now), "calendar")
        # One message id per switch: a post that timed out after CSS accepted it is resent
        # with the same id, and CSS answers with the registration it already holds.
        message_id = f"{self.state.switch_id}:registration"
        try:
            ack = await calls.submit(
                message_id, now, self.state.supply_start_date, self.state.details
            )
        except ActivityError as error:
            refusal = css_refusal(error)
            if refusal is None:
                raise
            await self._apply(RecordSubmissionRefused(*refusal, at=workflow.now()), "css")
            return
        if self._supply_dates:
            # The industry's clock starts when CSS has the request: by CSS's own clock
            # when its acknowledgement says, else by ours.
            await self._apply(await self._deadlines(ack.received_at or now), "calendar")
        await self._apply(RecordSubmission(ack.registration_id, message_id, now), "css")

    async def _deadlines(
        self, submitted_at: datetime, sector: MarketSector | None = None
    ) -> RecordSupplyDeadlines | RecordDeadlines:
        """The deadlines to record at submission, or again for the sector CSS holds."""
        details = self.state.details
        requested = details.requested_supply_start_date
        if not self._supply_dates:
            earlier = await calls.earlier_deadlines(submitted_at, details.market_sector, requested)
            return RecordDeadlines(**dataclasses.asdict(earlier), at=submitted_at)
        sector = sector or details.market_sector
        found = await calls.supply_deadlines(submitted_at, sector, requested)
        return RecordSupplyDeadlines.of(found, workflow.now())

    # --- timers ------------------------------------------------------------------------------

    def _start_timers(self, inp: SwitchInput) -> None:
        state = self.state
        if state.target_supply_start_date is not None:
            for deadline in Deadline:
                self._spawn(self._watch_deadline(deadline))
        else:  # the earlier rules, for switches that began under them
            if state.two_day_target is not None and not state.deadline_missed:
                target = self._flag_at(state.two_day_target, MarkDeadlineMissed, "timer:target")
                self._spawn(target)
            if state.backstop is not None and not state.compensation_due:
                backstop = self._flag_at(state.backstop, MarkCompensationDue, "timer:backstop")
                self._spawn(backstop)
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
        what = _EARLIER_DEADLINES[causation]
        with self._progress.waiting(what, until(at)):
            await sleep_until(at, what)
        await self._execute(make(workflow.now()), causation)

    async def _watch_deadline(self, deadline: Deadline) -> None:
        """At the deadline's gate closure, unless CSS secured the switch first: ask CSS what
        it holds, then let the decider judge. Moved deadlines (CSS's sector) are followed."""
        # A continued run whose flag is raised already need not ask CSS again.
        flagged = (
            self.state.deadline_missed
            if deadline is Deadline.TARGET
            else (self.state.compensation_due or self.state.compensation_waived)
        )
        judged = gate_closure(self.state, deadline) if flagged else None
        while not (self.state.terminal or self.state.secured):
            closure = gate_closure(self.state, deadline)
            if closure != judged and until(closure) <= timedelta(0):
                judged = closure
                causation = f"timer:{deadline}"
                await self._read_back(f"{deadline}-gate-closure:{closure:%Y-%m-%d}", causation)
                if gate_closure(self.state, deadline) == closure:
                    await self._execute(PassGateClosure(deadline, workflow.now()), causation)
                continue
            limit = until(closure) if closure != judged else None
            what = (
                f"gate closure for the {deadline} SSD"
                if limit is not None
                else f"CSS to secure the switch (the {deadline} SSD is judged)"
            )
            await self._wait(what, self._ended_secured_or_moved(deadline, closure), limit)

    def _ended_secured_or_moved(self, deadline: Deadline, closure: datetime) -> Callable[[], bool]:
        return lambda: (
            self.state.terminal
            or self.state.secured
            or gate_closure(self.state, deadline) != closure
        )

    async def _watch_objection_window(self, grace: timedelta) -> None:
        """Wait for CSS's outcome; past the window and its grace, ask CSS, with backoff."""
        while not self.state.outcome_known:
            end = self.state.objection_window_end
            remaining = until(end + grace) if end is not None else timedelta(0)
            if remaining <= timedelta(0):
                break
            await self._wait(
                "objection window and grace", self._window_moved_or_outcome(end), remaining
            )
        backoff = grace
        while not self.state.outcome_known and self._reconciled_this_run < self._renew_after:
            await self._reconcile()
            if self.state.outcome_known:
                return
            await self._wait("reconciliation backoff", lambda: self.state.outcome_known, backoff)
            backoff = min(backoff * 2, MAX_RECONCILE_BACKOFF)

    def _window_moved_or_outcome(self, end: datetime | None) -> Callable[[], bool]:
        # CSS's VALIDATED carries the real window end, which replaces our estimate.
        return lambda: self.state.outcome_known or self.state.objection_window_end != end

    async def _reconcile(self) -> None:
        self._reconciled_this_run += 1
        attempt = self.state.reconciliations + 1
        causation = f"reconciliation:{attempt}"
        await self._read_back(f"reconciliation:{attempt}", causation, calls.CSS_RETRY)
        await self._execute(FlagStuck(attempt=attempt, at=workflow.now()), causation)

    async def _read_back(
        self, name: str, causation: str, retry: RetryPolicy = calls.READ_BACK_RETRY
    ) -> None:
        """Ask CSS for the registration and apply what it holds as a notification."""
        registration_id = self.state.registration_id
        assert registration_id is not None
        found = await calls.read_registration(registration_id, retry, causation)
        message_id = f"{self.state.switch_id}:{name}"
        read_back = found.as_notification(message_id, registration_id, workflow.now())
        if read_back is not None:
            await self._execute(ApplyNotification(read_back, "reconciliation"), causation)

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
        held = self.state.registration_id
        if not self._supply_dates and held is not None and held != signal.registration_id:
            # The earlier shape refused these without a record (the receiver holds them).
            workflow.logger.warning("notification %s: another registration", signal.message_id)
            return
        try:
            await self._execute(ApplyNotification(signal), f"css:{signal.message_id}")
        except TransitionRefused as refused:
            # Stored by the receiver already; refusing here must not fail the workflow task.
            workflow.logger.warning("notification %s not applied: %s", signal.message_id, refused)
        if self._supply_dates:
            await self._follow_held_sector()

    async def _follow_held_sector(self) -> None:
        """Recompute the deadlines when CSS holds another market sector than requested."""
        async with self._lock:
            state = self.state
            held = state.held_market_sector
            if (
                state.target_supply_start_date is None
                or state.terminal
                or state.request_received_at is None
                or held in (None, state.deadlines_market_sector)
            ):
                return
            deadlines = await self._deadlines(state.request_received_at, held)
            await self._apply(deadlines, "calendar")

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
        message_id = f"{self.state.switch_id}:withdrawal:{self.state.version}"
        outcome = await calls.withdraw(registration_id, message_id, request.reason)
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

    @workflow.update(name=WAIVE_COMPENSATION_UPDATE)
    async def waive_compensation(
        self, request: WaiveCompensationRequest
    ) -> WaiveCompensationResult:
        async with self._lock:
            pence = self.state.compensation_pence
            try:
                await self._apply(WaiveCompensation(request.reason, workflow.now()), "operator")
            except TransitionRefused as refused:
                raise ApplicationError(str(refused), type="WaiverRefused") from None
        return WaiveCompensationResult(pence, "compensation waived; the reason is recorded")

    @waive_compensation.validator
    def _validate_waiver(self, request: WaiveCompensationRequest) -> None:
        if self._state is None:
            raise ValueError("the switch is not recorded yet; try again in a moment")
        decide(self._state, WaiveCompensation(request.reason, self._state.updated_at))

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
        await calls.append(switch_id, version, events, causation)
        self._state = fold(events, before)
        direction = before is None and workflow.patched(DIRECTION_PATCH)
        sa.upsert(before, self.state, [sa.DIRECTION.value_set(sa.GAIN)] if direction else [])
        business.switch_recorded(before, self.state, events)
        self._progress.show(self.state)
        return events

    async def _wait(
        self, what: str, condition: Callable[[], bool], limit: timedelta | None
    ) -> None:
        """A wait the UI names: its timer's summary, and a line of the current details."""
        with self._progress.waiting(what, limit):
            await wait(condition, limit, what)


#: The earlier rules' deadline timers, by causation: their summaries.
_EARLIER_DEADLINES = {
    "timer:target": "two-working-day target",
    "timer:backstop": "five-working-day backstop",
}


def _switch_id(state: SwitchState | None, command: Command) -> str:
    if state is not None:
        return state.switch_id
    assert isinstance(command, RequestSwitch)
    return command.switch_id
