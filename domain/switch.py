"""The switch lifecycle as a decider: `decide(state, command) -> events`, `evolve(state, event)`.

One state machine, two consumers: the workflow drives it live, the audit folds the event
store through the same `evolve` and must land on the same state.

Ordering rules, because CSS notifications arrive twice, out of order or weeks late:
- a notification whose CSS message id was already seen yields no events;
- a notification about another registration or meter point, or arriving while the switch
  holds no registration, is recorded as unmatched and changes nothing else;
- every notification belongs to a *stage*; one for an earlier stage than the switch has
  reached is still recorded (it is a fact CSS told us) but marked stale: it never moves the
  status, the supply start date or the objection window end backwards;
- nothing leaves a terminal status.
Objections are the exception to "one stage, one status": the objection window can see an
objection raised and lifted, so whether one *stands* is decided from the latest raise and
lift instants, not from the order the messages reached us.
Deadline flags follow `domain.switch_deadlines`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from domain import switch_deadlines
from domain.errors import DomainError, TransitionRefused
from domain.events import (
    EVENT_TYPES,
    CompensationDue,
    DeadlineMissed,
    DeadlinesComputed,
    Event,
    MarketSectorCorrected,
    NotificationApplied,
    NotificationUnmatched,
    RegistrationSubmitted,
    SubmissionRefused,
    SupplyDeadlinesComputed,
    SwitchFlaggedStuck,
    SwitchRequested,
    SwitchWithdrawn,
    WithdrawalRefused,
    WithdrawalRequested,
    event_from_record,
    event_to_record,
)
from domain.lifecycle import (
    STAGE_OF_NOTIFICATION,
    STAGE_OF_STATUS,
    WITHDRAWABLE,
    NotificationKind,
    Status,
)
from domain.notification import Notification
from domain.switch_commands import (
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
    WaiveCompensation,
    Withdraw,
)
from domain.switch_state import COMPENSATION_PENCE, SwitchState

# Re-exported so callers need one import: the decider, its commands, state and codec.
__all__ = [
    "COMPENSATION_PENCE",
    "EVENT_TYPES",
    "ApplyNotification",
    "Command",
    "Deadline",
    "Event",
    "FlagStuck",
    "MarkCompensationDue",
    "MarkDeadlineMissed",
    "PassGateClosure",
    "RecordDeadlines",
    "RecordSubmission",
    "RecordSubmissionRefused",
    "RecordSupplyDeadlines",
    "RecordWithdrawalRefused",
    "RequestSwitch",
    "SwitchState",
    "TransitionRefused",
    "WaiveCompensation",
    "Withdraw",
    "decide",
    "event_from_record",
    "event_to_record",
    "evolve",
    "fold",
]


# --- decide --------------------------------------------------------------------------------


def decide(state: SwitchState | None, command: Command) -> list[Event]:
    """The events a command produces from a state, or `TransitionRefused`."""
    if isinstance(command, RequestSwitch):
        return _decide_request(state, command)
    if state is None:
        raise TransitionRefused(f"{type(command).__name__} refused: the switch does not exist")
    if isinstance(command, ApplyNotification):
        return _decide_notification(state, command)
    if isinstance(command, Withdraw):
        return _decide_withdraw(state, command)
    if isinstance(command, MarkDeadlineMissed | MarkCompensationDue):
        return switch_deadlines.decide_earlier_timer(state, command)
    if isinstance(command, PassGateClosure):
        return switch_deadlines.decide_gate_closure(state, command)
    if isinstance(command, WaiveCompensation):
        return switch_deadlines.decide_waiver(state, command)
    if isinstance(command, RecordSupplyDeadlines):
        return _decide_supply_deadlines(state, command)
    if isinstance(command, FlagStuck):
        return [] if state.outcome_known else [SwitchFlaggedStuck(command.attempt, command.at)]
    return _decide_step(state, command)


def _decide_supply_deadlines(state: SwitchState, command: RecordSupplyDeadlines) -> list[Event]:
    """Recorded before submission, and again only for the sector CSS says it holds."""
    recompute = (
        state.target_supply_start_date is not None
        and not state.terminal
        and command.market_sector == state.held_market_sector != state.deadlines_market_sector
    )
    if state.status is not Status.REQUESTED and not recompute:
        raise TransitionRefused(
            f"RecordSupplyDeadlines refused: switch is {state.status}, and its deadlines are "
            f"already computed for market sector {state.deadlines_market_sector}"
        )
    events: list[Event] = [SupplyDeadlinesComputed(**dataclasses.asdict(command))]
    return events + switch_deadlines.judge(state, _folded(events, state), command.at)


def _decide_request(state: SwitchState | None, command: RequestSwitch) -> list[Event]:
    if state is not None:
        raise TransitionRefused(f"RequestSwitch refused: switch {state.switch_id} already exists")
    return [SwitchRequested(command.switch_id, command.details, command.requested_at)]


def _decide_step(
    state: SwitchState,
    command: RecordDeadlines | RecordSubmission | RecordSubmissionRefused | RecordWithdrawalRefused,
) -> list[Event]:
    """The engine's own steps towards CSS; each is allowed only while the switch waits for it."""
    name = type(command).__name__
    if isinstance(command, RecordWithdrawalRefused):
        if not state.withdrawal_requested:
            raise TransitionRefused(f"{name} refused: no withdrawal was requested")
        return [WithdrawalRefused(command.reason_code, command.detail, command.at)]
    if state.status is not Status.REQUESTED:
        raise TransitionRefused(f"{name} refused: switch is {state.status}, not REQUESTED")
    if isinstance(command, RecordDeadlines):
        return [DeadlinesComputed(**dataclasses.asdict(command))]
    if isinstance(command, RecordSubmission):
        return [
            RegistrationSubmitted(command.registration_id, command.message_id, command.submitted_at)
        ]
    return [SubmissionRefused(command.reason_code, command.detail, command.at)]


def _decide_withdraw(state: SwitchState, command: Withdraw) -> list[Event]:
    if state.status not in WITHDRAWABLE:
        raise TransitionRefused(
            f"Withdraw refused: switch is {state.status}; a switch can be withdrawn only while "
            f"{', '.join(sorted(WITHDRAWABLE))}"
        )
    if state.withdrawal_requested:
        raise TransitionRefused("Withdraw refused: a withdrawal is already with CSS")
    if state.status is Status.REQUESTED:
        return [SwitchWithdrawn(reason=command.reason, at=command.at)]
    return [WithdrawalRequested(reason=command.reason, at=command.at)]


def _decide_notification(state: SwitchState, command: ApplyNotification) -> list[Event]:
    notification = command.notification
    if notification.message_id in state.seen_message_ids:
        return []
    unmatched = _unmatched_reason(state, notification)
    if unmatched is not None:
        return [NotificationUnmatched(notification, command.source, unmatched)]
    stage = STAGE_OF_NOTIFICATION[notification.kind]
    stale = state.terminal or stage < STAGE_OF_STATUS[state.status]
    events: list[Event] = [NotificationApplied(notification, command.source, stale)]
    held = notification.market_sector
    known = (state.details.market_sector, state.held_market_sector)
    if not stale and held is not None and held not in known:
        requested = state.details.market_sector
        events.append(MarketSectorCorrected(requested, held, notification.occurred_at))
    return events + switch_deadlines.judge(state, _folded(events, state), notification.occurred_at)


def _unmatched_reason(state: SwitchState, notification: Notification) -> str | None:
    if state.registration_id is None:
        return (
            f"it is for registration {notification.registration_id}, and the switch holds none "
            f"(it is {state.status})"
        )
    if notification.registration_id != state.registration_id:
        return (
            f"it is for registration {notification.registration_id}, "
            f"the switch holds {state.registration_id}"
        )
    if notification.mpxn is not None and notification.mpxn != state.details.mpxn:
        return "it names another meter point than the switch's"
    return None


# --- evolve --------------------------------------------------------------------------------


def evolve(state: SwitchState | None, event: Event) -> SwitchState:
    """The state after an event; total over every event `decide` can emit."""
    if isinstance(event, SwitchRequested):
        return _created(event)
    if state is None:
        raise DomainError(f"{type(event).__name__} cannot start a stream: SwitchRequested must")
    if isinstance(event, NotificationUnmatched):
        # A stranger's message: counted and remembered (so a resend is not recorded twice),
        # nothing else, not even the switch's last-updated instant.
        return replace(
            state,
            version=state.version + 1,
            seen_message_ids=(*state.seen_message_ids, event.notification.message_id),
            unmatched_notifications=state.unmatched_notifications + 1,
        )
    state = replace(state, version=state.version + 1, updated_at=max(state.updated_at, event.at))
    return _apply(state, event)


def _created(event: SwitchRequested) -> SwitchState:
    return SwitchState(
        switch_id=event.switch_id,
        status=Status.REQUESTED,
        details=event.details,
        requested_at=event.at,
        updated_at=event.at,
        supply_start_date=event.details.requested_supply_start_date,
        version=1,
    )


def _apply(state: SwitchState, event: Event) -> SwitchState:
    if isinstance(event, NotificationApplied):
        return _apply_notification(state, event)
    if isinstance(event, switch_deadlines.DeadlineEvent):
        return switch_deadlines.apply(state, event)
    if isinstance(event, MarketSectorCorrected):
        return replace(state, held_market_sector=event.held)
    if isinstance(event, DeadlinesComputed):
        return replace(
            state,
            supply_start_date=event.supply_start_date,
            objection_window_end=event.expected_objection_window_end,
            two_day_target=event.two_day_target,
            backstop=event.backstop,
            calendar_version=event.calendar_version,
        )
    if isinstance(event, RegistrationSubmitted):
        return replace(
            state,
            status=Status.SUBMITTED,
            registration_id=event.registration_id,
            submission_message_id=event.message_id,
            submitted_at=event.at,
        )
    if isinstance(event, SubmissionRefused):
        return replace(state, status=Status.REJECTED, reason_code=event.reason_code)
    if isinstance(event, SwitchWithdrawn):
        return replace(state, status=Status.WITHDRAWN)
    if isinstance(event, WithdrawalRequested):
        return replace(state, withdrawal_requested=True)
    if isinstance(event, WithdrawalRefused):
        return replace(state, withdrawal_requested=False)
    if isinstance(event, DeadlineMissed):
        return replace(state, deadline_missed=True)
    if isinstance(event, CompensationDue):
        return replace(state, compensation_due=True, compensation_pence=event.pence)
    if isinstance(event, SwitchFlaggedStuck):
        return replace(state, stuck=True, reconciliations=event.attempt)
    raise DomainError(f"evolve has no rule for {type(event).__name__}")


def _apply_notification(state: SwitchState, event: NotificationApplied) -> SwitchState:
    told = event.notification
    seen = (*state.seen_message_ids, told.message_id)
    state = replace(state, seen_message_ids=seen, registration_id=told.registration_id)
    if told.kind is NotificationKind.OBJECTION_RAISED:
        raised = _latest(state.objection_raised_at, told.occurred_at)
        state = replace(state, objection_raised_at=raised)
    elif told.kind is NotificationKind.OBJECTION_LIFTED:
        lifted = _latest(state.objection_lifted_at, told.occurred_at)
        state = replace(state, objection_lifted_at=lifted)
    if event.stale:
        # Older than what the switch already knows: it must not move any fact back.
        return state
    # Facts CSS holds replace our estimates.
    if told.objection_window_end is not None:
        state = replace(state, objection_window_end=told.objection_window_end)
    if told.supply_start_date is not None:
        state = replace(state, supply_start_date=told.supply_start_date)
    if told.market_sector is not None:
        state = replace(state, held_market_sector=told.market_sector)
    if told.reason_code is not None:
        state = replace(state, reason_code=told.reason_code)
    if told.kind is not NotificationKind.WITHDRAWN:
        state = replace(state, stuck=state.stuck and not _ends_wait(told.kind))
    return replace(state, status=_status_after(state, told.kind))


def _ends_wait(kind: NotificationKind) -> bool:
    return STAGE_OF_NOTIFICATION[kind] >= STAGE_OF_STATUS[Status.CONFIRMED]


def _latest(current: datetime | None, candidate: datetime) -> datetime:
    return candidate if current is None or candidate > current else current


def _status_after(state: SwitchState, kind: NotificationKind) -> Status:
    if kind in (NotificationKind.OBJECTION_RAISED, NotificationKind.OBJECTION_LIFTED):
        if state.status not in (Status.SUBMITTED, Status.PENDING, Status.OBJECTION_RECEIVED):
            return state.status
        return Status.OBJECTION_RECEIVED if state.objection_standing else Status.PENDING
    if kind is NotificationKind.VALIDATED:
        return Status.OBJECTION_RECEIVED if state.objection_standing else Status.PENDING
    return _STATUS_OF_NOTIFICATION[kind]


_STATUS_OF_NOTIFICATION: dict[NotificationKind, Status] = {
    NotificationKind.REJECTED: Status.REJECTED,
    NotificationKind.CONFIRMED: Status.CONFIRMED,
    NotificationKind.OBJECTED: Status.OBJECTED,
    NotificationKind.SECURED: Status.SECURED,
    NotificationKind.ACTIVE: Status.ACTIVE,
    NotificationKind.ANNULLED: Status.ANNULLED,
    NotificationKind.WITHDRAWN: Status.WITHDRAWN,
}


def _folded(events: Iterable[Event], state: SwitchState) -> SwitchState:
    after = fold(events, state)
    assert after is not None
    return after


def fold(events: Iterable[Event], state: SwitchState | None = None) -> SwitchState | None:
    """The state a sequence of events leads to from `state` (None: from an empty stream)."""
    for event in events:
        state = evolve(state, event)
    return state
