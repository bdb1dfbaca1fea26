"""LossWorkflow: one durable workflow per switch away from us (workflow id `loss-<registration
id>`), started by the receiver with the first loss notification.

Every change goes through the loss decider (`domain.loss`) and is appended to the stream
`loss-<registration id>` before the workflow relies on it. The objection decision:
1. the pending loss gives the window's end; the account is read and the policy assesses
   it at once (an activity, so its verdict and the facts are recorded as they were);
2. where the policy wants a person, the workflow waits for `approve_objection` or
   `decline_objection` until the window's end less the safety margin, when the policy's
   proposal stands;
3. whatever is decided by then is sent, bounded so that nothing reaches CSS after the
   window; a pending loss that arrived after its window is recorded and nothing is sent.
Lifts and annulments asked for by operators go through the same sending step. After the
loss, the final read is due on the SSD and the final bill within six weeks of it; a timer
flags it overdue (with its £30) once.

Every mutation runs under one lock; sending happens outside it, so a notification is never
held up by a slow CSS.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.loss_contracts import (
        COMPUTE_LOSS_DATES,
        SEND_ANNULMENT,
        SEND_LIFT,
        SEND_OBJECTION,
        AssessResult,
        LossActionInput,
        LossDatesInput,
        ObjectionInput,
    )

    # The sandbox resolves a payload type's annotations in its own module, so every module
    # defining a type the payloads carry is imported here, used or not.
    from domain.accounts import AccountFacts  # noqa: F401
    from domain.calendar import to_london
    from domain.loss import (
        ApplyLossNotification,
        DecideAtMargin,
        LossCommand,
        LossRefused,
        MarkFinalBillOverdue,
        OperatorDecision,
        RecordAssessment,
        RecordFinalBillSent,
        RecordRequestOutcome,
        RequestAnnulment,
        RequestLift,
        decide,
        final_bill_overdue_at,
    )
    from domain.loss_events import LossRequest, RequestResult
    from domain.loss_notification import LossNotification, LossStatus
    from domain.loss_state import LossState, RequestOutcome
    from domain.objection_policy import Proposal, unassessed
    from workflows import loss_calls as calls
    from workflows.loss_messages import (
        ANNUL_UPDATE,
        APPROVE_OBJECTION_UPDATE,
        DECLINE_OBJECTION_UPDATE,
        FINAL_BILL_SENT_UPDATE,
        LIFT_OBJECTION_UPDATE,
        LOSS_NOTIFICATION_SIGNAL,
        LOSS_STATUS_QUERY,
        LOSS_WORKFLOW_NAME,
        FinalBillSentRequest,
        LossInput,
        LossReason,
        LossResult,
        LossUpdateResult,
        OperatorNote,
        loss_workflow_id,
    )

#: A request must be sent this long before its deadline, so that it has reached CSS by then.
SEND_ALLOWANCE = timedelta(minutes=1)
#: How long an operator's update waits to report CSS's answer before it returns anyway.
ANSWER_WAIT = timedelta(seconds=20)


@workflow.defn(name=LOSS_WORKFLOW_NAME)
class LossWorkflow:
    def __init__(self) -> None:
        self._state: LossState | None = None
        self._lock = asyncio.Lock()

    @property
    def state(self) -> LossState:
        assert self._state is not None, "the first notification is recorded before anything"
        return self._state

    # --- run ---------------------------------------------------------------------------------

    @workflow.run
    async def run(self, inp: LossInput) -> LossResult:
        await workflow.wait_condition(lambda: self._state is not None)
        deciding = None
        if self.state.window_open and not self.state.window_missed:
            deciding = asyncio.create_task(self._decide_objection(inp))
        while not self.state.closed:
            request = self._next_request()
            if request is not None:
                await self._send(request)
            elif self._final_bill_outstanding():
                await self._watch_final_bill()
            else:
                await workflow.wait_condition(
                    lambda: (
                        self.state.closed
                        or self._next_request() is not None
                        or self._final_bill_outstanding()
                    )
                )
        if deciding is not None:
            await deciding
        await workflow.wait_condition(workflow.all_handlers_finished)
        return LossResult(self.state.loss_id, self.state.status, self.state)

    # --- the objection decision --------------------------------------------------------------

    async def _decide_objection(self, inp: LossInput) -> None:
        state = self.state
        case, end = state.case(), state.objection_window_end
        assert case is not None, "a pending loss carries the switch's particulars"
        assert end is not None, "a pending loss carries its window's end"
        margin_at = end - timedelta(seconds=inp.safety_margin_seconds)
        now = workflow.now()
        assess_by = margin_at if now < margin_at else end - SEND_ALLOWANCE
        if now < assess_by:
            found = await calls.assess(
                state.mpxn, case, to_london(now).date(), inp.review, assess_by
            )
        else:
            found = AssessResult(unassessed(f"too late to read the account: {end}"), None)
        await self._execute(
            RecordAssessment(found.assessment, found.facts, workflow.now()), "policy"
        )
        if self.state.awaiting_operator:
            await calls.wait(
                lambda: not self.state.awaiting_operator,
                calls.until(margin_at),
                f"objection decided by an operator, or the policy's at {_hhmm(margin_at)}",
            )
        if self.state.awaiting_operator:
            await self._execute(DecideAtMargin(workflow.now()), "timer:safety-margin")

    # --- requests to CSS ---------------------------------------------------------------------

    def _next_request(self) -> LossRequest | None:
        state = self.state
        if state.decision is Proposal.OBJECT and state.objection is None:
            return LossRequest.OBJECTION
        if state.lift_requested and state.lift is None:
            return LossRequest.LIFT
        if state.annulment_requested and state.annulment is None:
            return LossRequest.ANNULMENT
        return None

    async def _send(self, request: LossRequest) -> None:
        """Send one recorded intention to CSS and record how it ended, whatever happens."""
        state = self.state
        message_id = f"{loss_workflow_id(state.loss_id)}:{request.value.lower()}:{state.version}"
        not_after, too_late = await self._deadline(request)
        if too_late is not None:
            outcome = _outcome(request, RequestResult.NOT_SENT, message_id, detail=too_late)
        else:
            outcome = await self._call_css(request, message_id, not_after)
        await self._execute(RecordRequestOutcome(outcome), f"css:{request.value.lower()}")

    async def _deadline(self, request: LossRequest) -> tuple[datetime, str | None]:
        """The instant the request must reach CSS by, and why it cannot, if it cannot."""
        state, now = self.state, workflow.now()
        if request is LossRequest.ANNULMENT:
            if state.status not in (LossStatus.PENDING, LossStatus.CONFIRMED):
                return now, f"CSS has moved the loss on to {state.status.value}"
            ssd = state.supply_start_date
            gate = now + timedelta(minutes=10)
            if ssd is not None:
                dates = await calls.call(COMPUTE_LOSS_DATES, LossDatesInput(ssd), "gate closure")
                gate = dates.gate_closure
            not_after = gate - SEND_ALLOWANCE
            return not_after, None if now < not_after else f"gate closure {gate} has passed"
        end = state.objection_window_end
        assert end is not None, "a decision or a lift needs the pending loss"
        not_after = end - SEND_ALLOWANCE
        if not state.window_open:
            return not_after, f"CSS closed the objection window first ({state.status.value})"
        if now >= not_after:
            return not_after, f"too late: it would reach CSS after the window closes at {end}"
        return not_after, None

    async def _call_css(
        self, request: LossRequest, message_id: str, not_after: datetime
    ) -> RequestOutcome:
        state = self.state
        try:
            if request is LossRequest.OBJECTION:
                assert state.assessment is not None
                arg: Any = ObjectionInput(
                    state.loss_id, message_id, state.assessment.evidence, not_after
                )
                result = await calls.send(SEND_OBJECTION, arg, not_after, "objection to CSS")
            else:
                reason = self._reason_for(request)
                contract = SEND_LIFT if request is LossRequest.LIFT else SEND_ANNULMENT
                arg = LossActionInput(state.loss_id, message_id, reason, not_after)
                what = "objection lift" if request is LossRequest.LIFT else "annulment"
                result = await calls.send(contract, arg, not_after, f"{what} to CSS")
        except ActivityError as error:
            detail = f"not sent by {not_after.isoformat()}: {calls.cause_of(error)}"
            return _outcome(request, RequestResult.NOT_SENT, message_id, detail=detail)
        if result.refused_reason_code is not None:
            return _outcome(
                request,
                RequestResult.REFUSED,
                message_id,
                result.refused_reason_code,
                result.detail,
            )
        return _outcome(request, RequestResult.SENT, message_id)

    def _reason_for(self, request: LossRequest) -> str:
        state = self.state
        reason = state.lift_reason if request is LossRequest.LIFT else state.annulment_reason
        return reason or ""

    # --- after the loss ----------------------------------------------------------------------

    def _final_bill_outstanding(self) -> bool:
        state = self.state
        return (
            state.status is LossStatus.LOST
            and state.final_bill_due is not None
            and state.final_bill_sent_on is None
            and not state.final_bill_overdue
        )

    async def _watch_final_bill(self) -> None:
        due = self.state.final_bill_due
        assert due is not None
        overdue_at = final_bill_overdue_at(due)
        await calls.wait(
            lambda: self.state.final_bill_sent_on is not None,
            calls.until(overdue_at),
            f"final bill due by {due.isoformat()}",
        )
        if self.state.final_bill_sent_on is None:
            await self._execute(MarkFinalBillOverdue(workflow.now()), "timer:final-bill")

    # --- handlers ----------------------------------------------------------------------------

    @workflow.signal(name=LOSS_NOTIFICATION_SIGNAL)
    async def notification(self, signal: LossNotification) -> None:
        try:
            command = ApplyLossNotification(signal, workflow.now())
            await self._execute(command, f"css:{signal.message_id}")
        except LossRefused as refused:
            # Stored by the receiver already; refusing here must not fail the workflow task.
            workflow.logger.warning("notification %s not applied: %s", signal.message_id, refused)

    @workflow.update(name=APPROVE_OBJECTION_UPDATE)
    async def approve_objection(self, request: OperatorNote) -> LossUpdateResult:
        await self._operator(OperatorDecision(True, request.note, workflow.now()))
        return await self._answer(LossRequest.OBJECTION, "objection approved")

    @approve_objection.validator
    def _validate_approve(self, request: OperatorNote) -> None:
        self._validate(OperatorDecision(True, request.note, workflow.now()))

    @workflow.update(name=DECLINE_OBJECTION_UPDATE)
    async def decline_objection(self, request: OperatorNote) -> LossUpdateResult:
        await self._operator(OperatorDecision(False, request.note, workflow.now()))
        return self._result("objection declined: nothing is sent to CSS")

    @decline_objection.validator
    def _validate_decline(self, request: OperatorNote) -> None:
        self._validate(OperatorDecision(False, request.note, workflow.now()))

    @workflow.update(name=LIFT_OBJECTION_UPDATE)
    async def lift_objection(self, request: LossReason) -> LossUpdateResult:
        await self._operator(RequestLift(request.reason, workflow.now()))
        return await self._answer(LossRequest.LIFT, "lift requested")

    @lift_objection.validator
    def _validate_lift(self, request: LossReason) -> None:
        _require_text(request.reason, "a lift needs a reason")
        self._validate(RequestLift(request.reason, workflow.now()))

    @workflow.update(name=ANNUL_UPDATE)
    async def annul(self, request: LossReason) -> LossUpdateResult:
        await self._operator(RequestAnnulment(request.reason, workflow.now()))
        return await self._answer(LossRequest.ANNULMENT, "annulment requested")

    @annul.validator
    def _validate_annul(self, request: LossReason) -> None:
        _require_text(request.reason, "an annulment needs a reason")
        self._validate(RequestAnnulment(request.reason, workflow.now()))

    @workflow.update(name=FINAL_BILL_SENT_UPDATE)
    async def final_bill_sent(self, request: FinalBillSentRequest) -> LossUpdateResult:
        await self._operator(RecordFinalBillSent(workflow.now()))
        late = " (late: £30 owed)" if self.state.final_bill_overdue else ""
        return self._result(f"final bill recorded on {self.state.final_bill_sent_on}{late}")

    @final_bill_sent.validator
    def _validate_final_bill(self, request: FinalBillSentRequest) -> None:
        self._validate(RecordFinalBillSent(workflow.now()))

    @workflow.query(name=LOSS_STATUS_QUERY)
    def status(self) -> LossState | None:
        return self._state

    def _validate(self, command: LossCommand) -> None:
        if self._state is None:
            raise ValueError("the loss is not recorded yet; try again in a moment")
        decide(self._state, command)

    async def _operator(self, command: LossCommand) -> None:
        try:
            await self._execute(command, "operator")
        except LossRefused as refused:
            # The state moved between the validator and the update: refuse the same way.
            raise ApplicationError(str(refused), type="LossRefused") from None

    async def _answer(self, request: LossRequest, done: str) -> LossUpdateResult:
        """Wait briefly for CSS's answer to the request just recorded, then report."""
        await calls.wait(
            lambda: _outcome_of(self.state, request) is not None,
            ANSWER_WAIT,
            f"CSS's answer to the {request.value.lower()}",
        )
        outcome = _outcome_of(self.state, request)
        if outcome is None:
            return self._result(f"{done}; sending to CSS")
        answer = {
            RequestResult.SENT: "CSS accepted it",
            RequestResult.REFUSED: f"CSS refused it ({outcome.reason_code}): {outcome.detail}",
            RequestResult.NOT_SENT: f"not sent: {outcome.detail}",
        }[outcome.result]
        return self._result(f"{done}; {answer}")

    def _result(self, detail: str) -> LossUpdateResult:
        return LossUpdateResult(self.state.status, self.state.decision_label, detail)

    # --- applying commands -------------------------------------------------------------------

    async def _execute(self, command: LossCommand, causation: str) -> None:
        async with self._lock:
            before = self._state
            self._state = await calls.apply(before, command, causation)
            calls.show(before, self.state)


def _outcome(
    request: LossRequest,
    result: RequestResult,
    message_id: str,
    reason_code: str | None = None,
    detail: str = "",
) -> RequestOutcome:
    return RequestOutcome(request, result, message_id, workflow.now(), reason_code, detail)


def _outcome_of(state: LossState, request: LossRequest) -> RequestOutcome | None:
    if request is LossRequest.OBJECTION:
        return state.objection if state.decision is Proposal.OBJECT else None
    return state.lift if request is LossRequest.LIFT else state.annulment


def _require_text(text: str, message: str) -> None:
    if not text.strip():
        raise ValueError(message)


def _hhmm(at: datetime) -> str:
    return to_london(at).strftime("%Y-%m-%d %H:%M London")
