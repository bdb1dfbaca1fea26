"""The commands the switch decider takes: what signup, CSS, timers and operators ask of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from domain.calendar import SupplyDeadlines
from domain.identifiers import MarketSector
from domain.notification import Notification
from domain.request import SwitchDetails


class Deadline(StrEnum):
    """The two supply-date deadlines; each has a gate closure after which it is missed."""

    TARGET = "target"
    BACKSTOP = "backstop"


@dataclass(frozen=True)
class RequestSwitch:
    switch_id: str
    details: SwitchDetails
    requested_at: datetime


@dataclass(frozen=True)
class RecordDeadlines:
    """The earlier rules' deadlines (instants); kept for switches begun under them."""

    supply_start_date: date
    expected_objection_window_end: datetime
    two_day_target: datetime
    backstop: datetime
    calendar_version: str
    at: datetime


@dataclass(frozen=True)
class RecordSupplyDeadlines:
    """The supply-date deadlines, at submission or again for the sector CSS holds."""

    market_sector: MarketSector
    #: When CSS received the request: the instant every date here is reckoned from.
    received_at: datetime
    request_day: date
    supply_start_date: date
    expected_objection_window_end: datetime
    target_supply_start_date: date
    target_gate_closure: datetime
    backstop_supply_start_date: date
    backstop_gate_closure: datetime
    calendar_version: str
    at: datetime

    @classmethod
    def of(cls, found: SupplyDeadlines, at: datetime) -> RecordSupplyDeadlines:
        return cls(
            market_sector=found.market_sector,
            received_at=found.submitted_at,
            request_day=found.request_day,
            supply_start_date=found.supply_start_date,
            expected_objection_window_end=found.objection_window_end,
            target_supply_start_date=found.target_supply_start_date,
            target_gate_closure=found.target_gate_closure,
            backstop_supply_start_date=found.backstop_supply_start_date,
            backstop_gate_closure=found.backstop_gate_closure,
            calendar_version=found.calendar_version,
            at=at,
        )


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
    """The earlier rules' target timer."""

    at: datetime


@dataclass(frozen=True)
class MarkCompensationDue:
    """The earlier rules' backstop timer."""

    at: datetime


@dataclass(frozen=True)
class PassGateClosure:
    """A deadline's gate closure has passed (a timer, after asking CSS what it holds)."""

    deadline: Deadline
    at: datetime


@dataclass(frozen=True)
class WaiveCompensation:
    """An operator waives the compensation owed, saying why."""

    reason: str
    at: datetime


@dataclass(frozen=True)
class FlagStuck:
    attempt: int
    at: datetime


Command = (
    RequestSwitch
    | RecordDeadlines
    | RecordSupplyDeadlines
    | RecordSubmission
    | RecordSubmissionRefused
    | ApplyNotification
    | Withdraw
    | RecordWithdrawalRefused
    | MarkDeadlineMissed
    | MarkCompensationDue
    | PassGateClosure
    | WaiveCompensation
    | FlagStuck
)
