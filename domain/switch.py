"""The switch lifecycle as a decider: `decide(state, command) -> events`, `evolve(state, event)`.

One state machine, two consumers: the workflow drives it live, the audit folds the event
store through the same `evolve` and must land on the same state.

Ordering rules, because CSS notifications arrive twice, out of order or weeks late:
- a notification whose CSS message id was already seen yields no events;
- every notification belongs to a *stage*; one for an earlier stage than the switch has
  reached is still recorded (it is a fact CSS told us) but marked stale and never moves the
  status backwards;
- nothing leaves a terminal status.
Objections are the exception to "one stage, one status": the objection window can see an
objection raised and lifted, so whether one *stands* is decided from the latest raise and
lift instants, not from the order the messages reached us.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import ClassVar

from domain.errors import DomainError
from domain.events import (
    EVENT_TYPES,
    CompensationDue,
    DeadlineMissed,
    DeadlinesComputed,
    Event,
    NotificationApplied,
    RegistrationSubmitted,
    SubmissionRefused,
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
    TERMINAL,
    WITHDRAWABLE,
    NotificationKind,
    Status,
)
from domain.notification import Notification
from domain.records import EMBEDDED, Upcaster
from domain.request import SwitchDetails

# Re-exported so readers of stored streams need one import: the decider and its codec.
__all__ = [
    "EVENT_TYPES",
    "Event",
    "SwitchState",
    "decide",
    "event_from_record",
    "event_to_record",
    "evolve",
    "fold",
]

#: Guaranteed Standard payment owed once the five-working-day backstop passes (since 2024-04).
COMPENSATION_PENCE = 3000


class TransitionRefused(DomainError):
    """A command the current status does not allow; the message names both."""


# --- commands ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestSwitch:
    switch_id: str
    details: SwitchDetails
    requested_at: datetime


@dataclass(frozen=True)
class RecordDeadlines:
    supply_start_date: date
    expected_objection_window_end: datetime
    two_day_target: datetime
    backstop: datetime
    calendar_version: str
    at: datetime


@dataclass(frozen=True)
class RecordSubmission:
    registration_id: str
    message_id: str
    submitted_at: datetime


@dataclass(frozen=True)
class RecordSubmissionRefused:
    reason_code: str
    detail: str
    at: datetime


@dataclass(frozen=True)
class ApplyNotification:
    """A CSS notification (or a status read back from CSS when reconciling)."""

    notification: Notification
    source: str = "css"  # "css" for a pushed notification, "reconciliation" for a status read


@dataclass(frozen=True)
class Withdraw:
    reason: str
    at: datetime


@dataclass(frozen=True)
class RecordWithdrawalRefused:
    reason_code: str
    detail: str
    at: datetime


@dataclass(frozen=True)
class MarkDeadlineMissed:
    at: datetime


@dataclass(frozen=True)
class MarkCompensationDue:
    at: datetime


@dataclass(frozen=True)
class FlagStuck:
    attempt: int
    at: datetime


Command = (
    RequestSwitch
    | RecordDeadlines
    | RecordSubmission
    | RecordSubmissionRefused
    | ApplyNotification
    | Withdraw
    | RecordWithdrawalRefused
    | MarkDeadlineMissed
    | MarkCompensationDue
    | FlagStuck
)


# --- state ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SwitchState:
    """What the engine knows about one switch: its events folded by `evolve`.

    Carried across continue-as-new, returned as the workflow's result and answered to its
    status query, the state's record is a versioned contract: a change of shape increments
    `SCHEMA_VERSION` and adds the upcaster from the version before (`domain.records`).
    """

    SCHEMA_VERSION: ClassVar[int] = 1
    UPCASTERS: ClassVar[Mapping[int, Upcaster]] = {}

    switch_id: str
    status: Status
    details: SwitchDetails = field(metadata=EMBEDDED)
    requested_at: datetime
    updated_at: datetime
    supply_start_date: date | None = None
    objection_window_end: datetime | None = None
    two_day_target: datetime | None = None
    backstop: datetime | None = None
    calendar_version: str | None = None
    registration_id: str | None = None
    submission_message_id: str | None = None
    submitted_at: datetime | None = None
    objection_raised_at: datetime | None = None
    objection_lifted_at: datetime | None = None
    withdrawal_requested: bool = False
    reason_code: str | None = None
    deadline_missed: bool = False
    compensation_due: bool = False
    compensation_pence: int = 0
    stuck: bool = False
    reconciliations: int = 0
    seen_message_ids: tuple[str, ...] = ()
    version: int = 0

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def objection_standing(self) -> bool:
        raised, lifted = self.objection_raised_at, self.objection_lifted_at
        return raised is not None and (lifted is None or lifted < raised)

    @property
    def outcome_known(self) -> bool:
        """True once CSS has told us how the objection window ended (or anything later)."""
        return self.terminal or STAGE_OF_STATUS[self.status] >= STAGE_OF_STATUS[Status.CONFIRMED]


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
        return _decide_deadline(state, command)
    if isinstance(command, FlagStuck):
        return [] if state.outcome_known else [SwitchFlaggedStuck(command.attempt, command.at)]
    return _decide_step(state, command)


def _decide_deadline(
    state: SwitchState, command: MarkDeadlineMissed | MarkCompensationDue
) -> list[Event]:
    """A deadline timer only raises a flag, once, and only while the switch is still open."""
    if state.terminal:
        return []
    if isinstance(command, MarkDeadlineMissed):
        target = _require(state.two_day_target)
        return [] if state.deadline_missed else [DeadlineMissed(target=target, at=command.at)]
    backstop = _require(state.backstop)
    if state.compensation_due:
        return []
    return [CompensationDue(backstop=backstop, pence=COMPENSATION_PENCE, at=command.at)]


def _require(value: datetime | None) -> datetime:
    if value is None:
        raise TransitionRefused("refused: the switch's deadlines have not been computed")
    return value


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
    registration_id = notification.registration_id
    if state.registration_id is not None and registration_id != state.registration_id:
        raise TransitionRefused(
            f"ApplyNotification refused: it is for registration {registration_id}, "
            f"the switch holds {state.registration_id}"
        )
    stage = STAGE_OF_NOTIFICATION[notification.kind]
    stale = state.terminal or stage < STAGE_OF_STATUS[state.status]
    return [NotificationApplied(notification, command.source, stale)]


# --- evolve --------------------------------------------------------------------------------


def evolve(state: SwitchState | None, event: Event) -> SwitchState:
    """The state after an event; total over every event `decide` can emit."""
    if isinstance(event, SwitchRequested):
        return _created(event)
    if state is None:
        raise DomainError(f"{type(event).__name__} cannot start a stream: SwitchRequested must")
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
    # Facts CSS holds better than our estimates, kept even from a stale message.
    if told.objection_window_end is not None and (
        state.status in (Status.SUBMITTED, Status.PENDING) or not event.stale
    ):
        state = replace(state, objection_window_end=told.objection_window_end)
    if told.supply_start_date is not None:
        state = replace(state, supply_start_date=told.supply_start_date)
    if event.stale:
        return state
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


def fold(events: Iterable[Event], state: SwitchState | None = None) -> SwitchState | None:
    """The state a sequence of events leads to from `state` (None: from an empty stream)."""
    for event in events:
        state = evolve(state, event)
    return state
