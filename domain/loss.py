"""The loss lifecycle as a decider: `decide(state, command) -> events`, `evolve(state, event)`.

A loss is another supplier's switch away from us, named by CSS's registration id. As for
switches, one state machine serves the workflow live and the audit folding the stream
`loss-<registration id>`, and the ordering rules are the same: a message id already seen
yields nothing; a notification for an earlier stage than the loss has reached is recorded
as stale and never moves it back; nothing leaves an ended registration.

Time rules decided here, on the instant the workflow applies a command:
- a pending loss applied at or after its objection window's end is recorded with
  `ObjectionWindowMissed`, and nothing is ever decided or sent for it;
- an operator's decision, and a lift, are refused once the window has closed (by CSS's word
  or by our clock); an annulment is refused once the loss is SECURED;
- the final bill is due within six weeks of the SSD, judged on London dates: sent on the
  due date is on time, and the overdue flag (with its £30) is raised once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from domain.calendar import LONDON, to_london
from domain.errors import DomainError
from domain.loss_commands import (
    ApplyLossNotification,
    DecideAtMargin,
    LossCommand,
    MarkFinalBillOverdue,
    OperatorDecision,
    RecordAssessment,
    RecordFinalBillSent,
    RecordRequestOutcome,
    RequestAnnulment,
    RequestLift,
)
from domain.loss_events import (
    FINAL_BILL_COMPENSATION_PENCE,
    AnnulmentRequested,
    DecidedBy,
    FinalBillDue,
    FinalBillOverdue,
    FinalBillSent,
    FinalReadDue,
    LossEvent,
    LossNotificationApplied,
    LossRequest,
    LossRequestNotSent,
    LossRequestRefused,
    LossRequestSent,
    ObjectionAssessed,
    ObjectionDecided,
    ObjectionLiftRequested,
    ObjectionWindowMissed,
    RequestResult,
)
from domain.loss_notification import (
    STAGE_OF_KIND,
    STAGE_OF_STATUS,
    STATUS_AFTER,
    LossKind,
    LossNotification,
    LossStatus,
)
from domain.loss_state import LossState, RequestOutcome
from domain.objection_policy import Proposal

# Re-exported so the workflow and the audit need one import: the decider and its commands.
__all__ = [
    "ApplyLossNotification",
    "DecideAtMargin",
    "LossCommand",
    "LossRefused",
    "MarkFinalBillOverdue",
    "OperatorDecision",
    "RecordAssessment",
    "RecordFinalBillSent",
    "RecordRequestOutcome",
    "RequestAnnulment",
    "RequestLift",
    "decide",
    "evolve",
    "final_bill_due",
    "final_bill_overdue_at",
    "fold",
]

#: The final bill is due within this long of the supply start date.
FINAL_BILL_WITHIN = timedelta(weeks=6)


class LossRefused(DomainError):
    """A command the loss's state does not allow; the message says why."""


# --- decide --------------------------------------------------------------------------------


def decide(state: LossState | None, command: LossCommand) -> list[LossEvent]:
    """The events a command produces from a state, or `LossRefused` saying why not."""
    if isinstance(command, ApplyLossNotification):
        return _decide_notification(state, command)
    if state is None:
        raise LossRefused(f"{type(command).__name__} refused: no loss is recorded yet")
    if isinstance(command, RecordAssessment):
        return _decide_assessment(state, command)
    if isinstance(command, OperatorDecision):
        return _decide_operator(state, command)
    if isinstance(command, DecideAtMargin):
        if state.decision is not None or state.assessment is None or state.window_missed:
            return []
        note = "no operator decision by the safety margin: the policy's proposal stands"
        return [ObjectionDecided(state.assessment.proposal, DecidedBy.MARGIN, note, command.at)]
    if isinstance(command, RequestLift):
        return _decide_lift(state, command)
    if isinstance(command, RequestAnnulment):
        return _decide_annulment(state, command)
    if isinstance(command, RecordRequestOutcome):
        return _decide_outcome(state, command.outcome)
    if isinstance(command, RecordFinalBillSent):
        return _decide_final_bill(state, command.at)
    return _decide_overdue(state, command.at)


def _decide_notification(
    state: LossState | None, command: ApplyLossNotification
) -> list[LossEvent]:
    told = command.notification
    if state is not None:
        if told.message_id in state.seen_message_ids:
            return []
        if told.registration_id != state.loss_id:
            raise LossRefused(
                f"notification {told.message_id} is for registration {told.registration_id}, "
                f"not loss {state.loss_id}"
            )
    stale = state is not None and (
        state.registration_ended or STAGE_OF_KIND[told.kind] < STAGE_OF_STATUS[state.status]
    )
    events: list[LossEvent] = [LossNotificationApplied(told, stale)]
    if stale:
        return events
    end = told.objection_window_end
    first_pending = state is None or (state.assessment is None and not state.window_missed)
    if told.kind is LossKind.PENDING and end is not None and first_pending and command.at >= end:
        events.append(ObjectionWindowMissed(end, command.at))
    ssd = told.supply_start_date or (state.supply_start_date if state else None)
    if told.kind is LossKind.SECURED and ssd is not None:
        events.append(FinalReadDue(ssd, command.at))
    if told.kind is LossKind.COMPLETED and ssd is not None:
        events.append(FinalBillDue(final_bill_due(ssd), command.at))
    return events


def _decide_assessment(state: LossState, command: RecordAssessment) -> list[LossEvent]:
    if state.window_missed:
        raise LossRefused("RecordAssessment refused: the pending loss arrived after its window")
    if state.assessment is not None:
        raise LossRefused("RecordAssessment refused: the loss is assessed already")
    assessed = ObjectionAssessed(command.assessment, command.facts, command.at)
    if command.assessment.review_required:
        return [assessed]
    decided = ObjectionDecided(
        command.assessment.proposal, DecidedBy.POLICY, "the policy needed nobody", command.at
    )
    return [assessed, decided]


def _decide_operator(state: LossState, command: OperatorDecision) -> list[LossEvent]:
    verb = "approval" if command.object else "decline"
    if state.decision is not None:
        by = state.decided_by.value.lower() if state.decided_by else "?"
        raise LossRefused(
            f"objection {verb} refused: decided already ({state.decision.value}, by {by})"
        )
    if state.assessment is None:
        raise LossRefused(f"objection {verb} refused: the loss is not assessed yet")
    _require_window_open(state, command.at, f"objection {verb}")
    if command.object and state.assessment.proposal is not Proposal.OBJECT:
        reasons = "; ".join(state.assessment.reasons) or "no ground"
        raise LossRefused(f"objection approval refused: no ground allows one ({reasons})")
    decision = Proposal.OBJECT if command.object else Proposal.NO_OBJECTION
    return [ObjectionDecided(decision, DecidedBy.OPERATOR, command.note, command.at)]


def _decide_lift(state: LossState, command: RequestLift) -> list[LossEvent]:
    if not state.objection_standing:
        raise LossRefused("lift refused: no objection of ours stands at CSS")
    if state.lift_requested:
        raise LossRefused("lift refused: a lift is already on its way to CSS")
    _require_window_open(state, command.at, "lift")
    return [ObjectionLiftRequested(command.reason, command.at)]


def _decide_annulment(state: LossState, command: RequestAnnulment) -> list[LossEvent]:
    if state.status not in (LossStatus.PENDING, LossStatus.CONFIRMED):
        raise LossRefused(
            f"annulment refused: the loss is {state.status.value}; "
            "an annulment is allowed only until SECURED"
        )
    if state.annulment_requested:
        raise LossRefused("annulment refused: an annulment is already with CSS")
    return [AnnulmentRequested(command.reason, command.at)]


def _decide_outcome(state: LossState, outcome: RequestOutcome) -> list[LossEvent]:
    expected = {
        LossRequest.OBJECTION: state.decision is Proposal.OBJECT and state.objection is None,
        LossRequest.LIFT: state.lift_requested and state.lift is None,
        LossRequest.ANNULMENT: state.annulment_requested and state.annulment is None,
    }
    if not expected[outcome.request]:
        raise LossRefused(f"no {outcome.request.value.lower()} request is waiting for an outcome")
    if outcome.result is RequestResult.SENT:
        return [LossRequestSent(outcome.request, outcome.message_id, outcome.at)]
    if outcome.result is RequestResult.REFUSED:
        code = outcome.reason_code or "REFUSED"
        request, message_id = outcome.request, outcome.message_id
        return [LossRequestRefused(request, message_id, code, outcome.detail, outcome.at)]
    return [LossRequestNotSent(outcome.request, outcome.message_id, outcome.detail, outcome.at)]


def _decide_final_bill(state: LossState, at: datetime) -> list[LossEvent]:
    ssd = state.supply_start_date
    if state.status not in (LossStatus.SECURED, LossStatus.LOST) or ssd is None:
        raise LossRefused(
            f"final bill refused: the loss is {state.status.value}; a final bill follows a "
            "loss that is SECURED or LOST"
        )
    on = to_london(at).date()
    if on < ssd:
        raise LossRefused(f"final bill refused: the final read is due on the SSD {ssd}")
    if state.final_bill_sent_on is not None:
        raise LossRefused(f"final bill refused: recorded as sent on {state.final_bill_sent_on}")
    due = state.final_bill_due or final_bill_due(ssd)
    late = on > due
    events: list[LossEvent] = [FinalBillSent(on, late, at)]
    if late and not state.final_bill_overdue:
        events.append(FinalBillOverdue(due, FINAL_BILL_COMPENSATION_PENCE, at))
    return events


def _decide_overdue(state: LossState, at: datetime) -> list[LossEvent]:
    due = state.final_bill_due
    if (
        due is None
        or state.final_bill_sent_on is not None
        or state.final_bill_overdue
        or to_london(at).date() <= due
    ):
        return []
    return [FinalBillOverdue(due, FINAL_BILL_COMPENSATION_PENCE, at)]


def _require_window_open(state: LossState, at: datetime, what: str) -> None:
    end = state.objection_window_end
    if not state.window_open:
        raise LossRefused(f"{what} refused: CSS closed the objection window ({state.status.value})")
    if end is None or at >= end:
        raise LossRefused(f"{what} refused: the objection window closed at {end}")


def final_bill_due(ssd: date) -> date:
    """The last day a final bill is on time for a loss with supply start date `ssd`."""
    return ssd + FINAL_BILL_WITHIN


def final_bill_overdue_at(due: date) -> datetime:
    """The instant a final bill due on `due` becomes late: midnight in London after it."""
    return datetime.combine(due + timedelta(days=1), time(0), tzinfo=LONDON)


# --- evolve --------------------------------------------------------------------------------


def evolve(state: LossState | None, event: LossEvent) -> LossState:
    """The state after an event; total over every event `decide` can emit."""
    if state is None:
        if not isinstance(event, LossNotificationApplied):
            raise DomainError(f"{type(event).__name__} cannot start a loss's stream")
        return _apply_notification(_created(event.notification), event)
    state = replace(state, version=state.version + 1, updated_at=max(state.updated_at, event.at))
    if isinstance(event, LossNotificationApplied):
        return _apply_notification(state, event)
    return _apply(state, event)


def _created(told: LossNotification) -> LossState:
    return LossState(
        loss_id=told.registration_id,
        mpxn=told.mpxn,
        status=STATUS_AFTER[told.kind],
        notified_at=told.occurred_at,
        updated_at=told.occurred_at,
        version=1,
    )


def _apply_notification(state: LossState, event: LossNotificationApplied) -> LossState:
    told = event.notification
    state = replace(state, seen_message_ids=(*state.seen_message_ids, told.message_id))
    if told.kind is LossKind.PENDING and not state.pending_received:
        state = replace(
            state,
            fuel=told.fuel,
            market_sector=told.market_sector,
            gaining_supplier_id=told.gaining_supplier_id,
            objection_window_end=told.objection_window_end,
            change_of_occupancy=told.change_of_occupancy,
            erroneous_transfer=told.erroneous_transfer,
            pending_received=True,
        )
    # A stale message's SSD is kept only while we know none better.
    if told.supply_start_date is not None and (not event.stale or state.supply_start_date is None):
        state = replace(state, supply_start_date=told.supply_start_date)
    if event.stale:
        return state
    if told.reason_code is not None:
        state = replace(state, reason_code=told.reason_code)
    return replace(state, status=STATUS_AFTER[told.kind])


def _apply(state: LossState, event: LossEvent) -> LossState:
    if isinstance(event, ObjectionWindowMissed):
        return replace(state, window_missed=True)
    if isinstance(event, ObjectionAssessed):
        return replace(state, assessment=event.assessment, facts=event.facts)
    if isinstance(event, ObjectionDecided):
        return replace(state, decision=event.decision, decided_by=event.by)
    if isinstance(event, ObjectionLiftRequested):
        return replace(state, lift_requested=True, lift_reason=event.reason, lift=None)
    if isinstance(event, AnnulmentRequested):
        return replace(
            state, annulment_requested=True, annulment_reason=event.reason, annulment=None
        )
    if isinstance(event, LossRequestSent | LossRequestRefused | LossRequestNotSent):
        return _apply_outcome(state, event)
    if isinstance(event, FinalReadDue):
        return replace(state, final_read_due=event.on)
    if isinstance(event, FinalBillDue):
        return replace(state, final_bill_due=event.on)
    if isinstance(event, FinalBillSent):
        return replace(state, final_bill_sent_on=event.on)
    if isinstance(event, FinalBillOverdue):
        return replace(state, final_bill_overdue=True, compensation_pence=event.pence)
    raise DomainError(f"evolve has no rule for {type(event).__name__}")


def _apply_outcome(
    state: LossState, event: LossRequestSent | LossRequestRefused | LossRequestNotSent
) -> LossState:
    if isinstance(event, LossRequestSent):
        outcome = RequestOutcome(event.request, RequestResult.SENT, event.message_id, event.at)
    elif isinstance(event, LossRequestRefused):
        outcome = RequestOutcome(
            event.request,
            RequestResult.REFUSED,
            event.message_id,
            event.at,
            event.reason_code,
            event.detail,
        )
    else:
        outcome = RequestOutcome(
            event.request, RequestResult.NOT_SENT, event.message_id, event.at, None, event.reason
        )
    if event.request is LossRequest.OBJECTION:
        return replace(state, objection=outcome)
    sent = outcome.result is RequestResult.SENT
    if event.request is LossRequest.LIFT:
        # A lift that did not get through leaves the objection standing and may be asked again.
        return replace(state, lift=outcome, lift_requested=sent)
    return replace(state, annulment=outcome, annulment_requested=sent)


def fold(events: Iterable[LossEvent], state: LossState | None = None) -> LossState | None:
    """The state a sequence of events leads to from `state` (None: an empty stream)."""
    for event in events:
        state = evolve(state, event)
    return state
