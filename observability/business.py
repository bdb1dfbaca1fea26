"""The business metrics: one call each, from workflow code or from an activity.

In a workflow the calls record through the workflow's metric meter, which records nothing
while a history is replayed, so a switch is counted once however often it is replayed
(after a worker restart, on another worker, by the audit). In an activity they record
through the activity's meter; elsewhere through the process's.

Workflow authors add one line where the process starts, ends or decides; the switch
workflow hands every batch of recorded events to `switch_recorded`, which reads them by
type name so that new event types only need a row in `SWITCH_FLAGS`.
"""

from __future__ import annotations

from collections.abc import Sequence

from temporalio import activity, workflow
from temporalio.common import MetricMeter

from domain.switch import SwitchState
from observability import names
from observability.instruments import add


def _meter() -> MetricMeter | None:
    if workflow.in_workflow():
        return workflow.metric_meter()
    if activity.in_activity():
        return activity.metric_meter()
    return None


def _count(metric: names.Metric, value: int = 1, **labels: str) -> None:
    add(metric, labels, value, _meter())


#: Switch events that raise or clear a deadline flag, by type name: the flag they count as.
SWITCH_FLAGS = {
    "DeadlineMissed": "target_missed",
    "TargetMissed": "target_missed",
    "TargetMissCleared": "target_cleared",
    "CompensationDue": "backstop_missed",
    "CompensationOwed": "backstop_missed",
    "CompensationCleared": "backstop_cleared",
    "CompensationWaived": "compensation_waived",
}
_OWED = frozenset({"CompensationDue", "CompensationOwed"})
_NO_LONGER_OWED = {"CompensationCleared": "cleared", "CompensationWaived": "waived"}


def switch_recorded(
    before: SwitchState | None, after: SwitchState, events: Sequence[object]
) -> None:
    """Count what a batch of a switch's events did: started, flagged, owed, ended."""
    fuel = after.details.fuel.value
    if before is None:
        _count(names.SWITCHES_STARTED, fuel=fuel, sector=after.details.market_sector.value)
    for event in events:
        kind = type(event).__name__
        flag = SWITCH_FLAGS.get(kind)
        if flag is not None:
            _count(names.DEADLINE_FLAGS, fuel=fuel, flag=flag)
        pence = int(getattr(event, "pence", 0))
        if kind in _OWED:
            _count(names.COMPENSATION_OWED, fuel=fuel)
            _count(names.COMPENSATION_OWED_PENCE, pence, fuel=fuel)
        elif kind in _NO_LONGER_OWED and pence:
            why = _NO_LONGER_OWED[kind]
            _count(names.COMPENSATION_CANCELLED_PENCE, pence, fuel=fuel, reason=why)
    if after.terminal and (before is None or not before.terminal):
        _count(names.SWITCHES_ENDED, fuel=fuel, outcome=after.status.value)


def order_started(fuels: str) -> None:
    """`fuels`: ELECTRICITY, GAS or DUAL."""
    _count(names.ORDERS_STARTED, fuels=fuels)


def order_ended(outcome: str) -> None:
    _count(names.ORDERS_ENDED, outcome=outcome)


def loss_started(fuel: str) -> None:
    _count(names.LOSSES_STARTED, fuel=fuel)


def loss_ended(fuel: str, outcome: str) -> None:
    _count(names.LOSSES_ENDED, fuel=fuel, outcome=outcome)


def objection_decided(decision: str, reason: str) -> None:
    """`decision`: OBJECT, NO_OBJECTION, LIFT, ANNUL...; `reason`: the reason code or NONE."""
    _count(names.OBJECTION_DECISIONS, decision=decision, reason=reason)


def address_matched(fuel: str, outcome: str) -> None:
    """`outcome`: MATCHED, AMBIGUOUS or NOT_FOUND."""
    _count(names.ADDRESS_MATCHES, fuel=fuel, outcome=outcome)


def deactivation_started(fuel: str) -> None:
    _count(names.DEACTIVATIONS_STARTED, fuel=fuel)


def deactivation_ended(outcome: str) -> None:
    _count(names.DEACTIVATIONS_ENDED, outcome=outcome)
