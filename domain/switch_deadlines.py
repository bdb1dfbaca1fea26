"""Deadline flags under the supply-date rules: decided on dates, never on instants.

A switch is judged by the SSD CSS secures: later than its target SSD, the target is missed;
later than its backstop SSD, the customer is owed compensation. While nothing is secured, a
deadline is missed only once its gate closure has passed (the workflow's timer, which first
asks CSS what it holds). Every flag is raised once and, when a late notification shows it
was wrong, cleared by an event of its own:
- a late SECURED (or ACTIVE) for an SSD on or before the deadline clears it;
- a switch that had ended (rejected, objected, withdrawn, annulled) by the gate closure
  never owed anything, so the flags raised meanwhile are cleared;
- deadlines recomputed for the sector CSS holds are judged again.
Switches begun under the earlier instant rules carry no supply-date deadlines and keep
those rules (`decide_earlier_timer`), so their recorded histories replay unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime

from domain.errors import TransitionRefused
from domain.events import (
    CompensationCleared,
    CompensationDue,
    CompensationOwed,
    CompensationWaived,
    DeadlineMissed,
    Event,
    SupplyDeadlinesComputed,
    TargetMissCleared,
    TargetMissed,
)
from domain.lifecycle import Status
from domain.switch_commands import (
    Deadline,
    MarkCompensationDue,
    MarkDeadlineMissed,
    PassGateClosure,
    WaiveCompensation,
)
from domain.switch_state import COMPENSATION_PENCE, SwitchState

DeadlineEvent = (
    SupplyDeadlinesComputed
    | TargetMissed
    | TargetMissCleared
    | CompensationOwed
    | CompensationCleared
    | CompensationWaived
)

#: Whether a gate closure had passed at the moment in question.
_Passed = Callable[[datetime], bool]


def decide_gate_closure(state: SwitchState, command: PassGateClosure) -> list[Event]:
    """Raise the deadline's flag when its gate closure passed with nothing secured."""
    target, backstop = _deadlines(state)
    closure = gate_closure(state, command.deadline)
    if command.at < closure:
        raise TransitionRefused(
            f"PassGateClosure refused: the {command.deadline} gate closure "
            f"{closure.isoformat()} has not passed at {command.at.isoformat()}"
        )
    if state.terminal or state.secured:
        return []  # ended (no flag) or judged by its secured SSD already
    if command.deadline is Deadline.TARGET:
        return [] if state.deadline_missed else [TargetMissed(target, None, command.at)]
    if state.compensation_due or state.compensation_waived:
        return []
    return [CompensationOwed(backstop, None, COMPENSATION_PENCE, command.at)]


def decide_earlier_timer(
    state: SwitchState, command: MarkDeadlineMissed | MarkCompensationDue
) -> list[Event]:
    """The earlier rules' timers (instants): a flag, once, while the switch is still open."""
    if state.terminal:
        return []
    if isinstance(command, MarkDeadlineMissed):
        target = _instant(state.two_day_target)
        return [] if state.deadline_missed else [DeadlineMissed(target=target, at=command.at)]
    backstop = _instant(state.backstop)
    if state.compensation_due:
        return []
    return [CompensationDue(backstop=backstop, pence=COMPENSATION_PENCE, at=command.at)]


def _instant(value: datetime | None) -> datetime:
    if value is None:
        raise TransitionRefused("refused: the switch's deadlines have not been computed")
    return value


def decide_waiver(state: SwitchState, command: WaiveCompensation) -> list[Event]:
    reason = command.reason.strip()
    if not reason:
        raise TransitionRefused("WaiveCompensation refused: a waiver needs a reason")
    if state.compensation_waived:
        raise TransitionRefused(
            f"WaiveCompensation refused: already waived ({state.compensation_waiver_reason})"
        )
    if not state.compensation_due:
        raise TransitionRefused("WaiveCompensation refused: no compensation is owed")
    return [CompensationWaived(reason, state.compensation_pence, command.at)]


def judge(before: SwitchState, after: SwitchState, at: datetime) -> list[Event]:
    """The flag events a change of state calls for (`at`: when the change happened)."""
    if after.target_supply_start_date is None:
        return []
    if after.secured and after.supply_start_date is not None:
        return _judge_secured(after, after.supply_start_date, at)
    if after.terminal and not before.terminal:
        return _clear_flags(after, at, passed=lambda closure: at > closure)
    if after.target_gate_closure != before.target_gate_closure:
        return _clear_flags(after, at, passed=lambda closure: at >= closure)
    return []


def _judge_secured(state: SwitchState, ssd: date, at: datetime) -> list[Event]:
    target, backstop = _deadlines(state)
    events: list[Event] = []
    if ssd > target and not state.deadline_missed:
        events.append(TargetMissed(target, ssd, at))
    elif ssd <= target and state.deadline_missed:
        events.append(TargetMissCleared(target, ssd, at))
    if ssd > backstop and not (state.compensation_due or state.compensation_waived):
        events.append(CompensationOwed(backstop, ssd, COMPENSATION_PENCE, at))
    elif ssd <= backstop and state.compensation_due:
        events.append(CompensationCleared(backstop, ssd, state.compensation_pence, at))
    return events


def _clear_flags(state: SwitchState, at: datetime, passed: _Passed) -> list[Event]:
    """Clear each flag whose gate closure had not passed by `at`: it was raised in error."""
    target, backstop = _deadlines(state)
    closures = _gate_closures(state)
    events: list[Event] = []
    if state.deadline_missed and not passed(closures[Deadline.TARGET]):
        events.append(TargetMissCleared(target, None, at))
    if state.compensation_due and not passed(closures[Deadline.BACKSTOP]):
        events.append(CompensationCleared(backstop, None, state.compensation_pence, at))
    return events


def apply(state: SwitchState, event: DeadlineEvent) -> SwitchState:
    """`evolve` for the supply-date events."""
    if isinstance(event, SupplyDeadlinesComputed):
        state = replace(
            state,
            request_received_at=event.received_at,
            request_day=event.request_day,
            target_supply_start_date=event.target_supply_start_date,
            target_gate_closure=event.target_gate_closure,
            backstop_supply_start_date=event.backstop_supply_start_date,
            backstop_gate_closure=event.backstop_gate_closure,
            deadlines_market_sector=event.market_sector,
            calendar_version=event.calendar_version,
        )
        if state.status is not Status.REQUESTED:
            return state  # recomputed for CSS's sector: CSS's own dates stand
        return replace(
            state,
            supply_start_date=event.supply_start_date,
            objection_window_end=event.expected_objection_window_end,
        )
    if isinstance(event, TargetMissed | TargetMissCleared):
        return replace(state, deadline_missed=isinstance(event, TargetMissed))
    if isinstance(event, CompensationOwed):
        return replace(state, compensation_due=True, compensation_pence=event.pence)
    if isinstance(event, CompensationCleared):
        return replace(state, compensation_due=False, compensation_pence=0)
    return replace(
        state,
        compensation_due=False,
        compensation_pence=0,
        compensation_waived=True,
        compensation_waiver_reason=event.reason,
    )


def _deadlines(state: SwitchState) -> tuple[date, date]:
    target, backstop = state.target_supply_start_date, state.backstop_supply_start_date
    if target is None or backstop is None:
        raise _not_computed()
    return target, backstop


def gate_closure(state: SwitchState, deadline: Deadline) -> datetime:
    """The instant after which `deadline`'s SSD can no longer be met."""
    return _gate_closures(state)[deadline]


def _gate_closures(state: SwitchState) -> dict[Deadline, datetime]:
    target, backstop = state.target_gate_closure, state.backstop_gate_closure
    if target is None or backstop is None:
        raise _not_computed()
    return {Deadline.TARGET: target, Deadline.BACKSTOP: backstop}


def _not_computed() -> TransitionRefused:
    return TransitionRefused("refused: the switch's supply deadlines have not been computed")
