"""Switch events (past tense, immutable) and their codec to and from stored records.

Stored records are plain JSON (`domain.records`: dates and instants as ISO-8601, enums as
their values, value objects written flat) with a schema version per type;
`event_from_record` upcasts old versions before decoding, so an event written years ago
still folds through today's `evolve`.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from domain.errors import DomainError
from domain.identifiers import MarketSector
from domain.notification import Notification
from domain.records import EMBEDDED, Upcaster, from_record, to_record, upcast
from domain.request import SwitchDetails


@dataclass(frozen=True)
class SwitchRequested:
    switch_id: str
    details: SwitchDetails = field(metadata=EMBEDDED)
    at: datetime


@dataclass(frozen=True)
class DeadlinesComputed:
    """The earlier deadlines, instants after submission; switches begun since record
    `SupplyDeadlinesComputed` instead."""

    supply_start_date: date
    expected_objection_window_end: datetime
    two_day_target: datetime
    backstop: datetime
    calendar_version: str
    at: datetime


@dataclass(frozen=True)
class SupplyDeadlinesComputed:
    """The dates a switch is judged by (see `domain.calendar`), as of its submission."""

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


@dataclass(frozen=True)
class RegistrationSubmitted:
    registration_id: str
    message_id: str
    at: datetime


@dataclass(frozen=True)
class SubmissionRefused:
    reason_code: str
    detail: str
    at: datetime


@dataclass(frozen=True)
class NotificationApplied:
    notification: Notification = field(metadata=EMBEDDED)
    source: str
    stale: bool

    @property
    def at(self) -> datetime:
        return self.notification.occurred_at


@dataclass(frozen=True)
class NotificationUnmatched:
    """A notification that is not about this switch: kept as a fact, acted on never."""

    notification: Notification = field(metadata=EMBEDDED)
    source: str
    reason: str

    @property
    def at(self) -> datetime:
        return self.notification.occurred_at


@dataclass(frozen=True)
class MarketSectorCorrected:
    """CSS holds a different market sector for the meter point than the request said."""

    requested: MarketSector
    held: MarketSector
    at: datetime


@dataclass(frozen=True)
class SwitchWithdrawn:
    reason: str
    at: datetime


@dataclass(frozen=True)
class WithdrawalRequested:
    reason: str
    at: datetime


@dataclass(frozen=True)
class WithdrawalRefused:
    reason_code: str
    detail: str
    at: datetime


@dataclass(frozen=True)
class DeadlineMissed:
    """The earlier rules' target flag (by instant); see `TargetMissed`."""

    target: datetime
    at: datetime


@dataclass(frozen=True)
class CompensationDue:
    """The earlier rules' compensation flag (by instant); see `CompensationOwed`."""

    backstop: datetime
    pence: int
    at: datetime


@dataclass(frozen=True)
class TargetMissed:
    """The switch will not start by its target SSD.

    `supply_start_date` is the SSD CSS secured, or None when the target's gate closure
    passed with nothing secured.
    """

    target_supply_start_date: date
    supply_start_date: date | None
    at: datetime


@dataclass(frozen=True)
class TargetMissCleared:
    """The target is not missed after all: CSS secured an SSD on or before it, or the switch
    had ended (or its deadlines moved) before the target's gate closure.

    `supply_start_date` is the SSD CSS secured, or None when the switch never started.
    """

    target_supply_start_date: date
    supply_start_date: date | None
    at: datetime


@dataclass(frozen=True)
class CompensationOwed:
    """The backstop SSD is missed: the customer is owed the Guaranteed Standard payment."""

    backstop_supply_start_date: date
    supply_start_date: date | None
    pence: int
    at: datetime


@dataclass(frozen=True)
class CompensationCleared:
    """Nothing is owed after all: CSS secured an SSD on or before the backstop, or the switch
    had ended (or its deadlines moved) before the backstop's gate closure."""

    backstop_supply_start_date: date
    supply_start_date: date | None
    pence: int
    at: datetime


@dataclass(frozen=True)
class CompensationWaived:
    """An operator waived the compensation owed, with the reason they gave."""

    reason: str
    pence: int
    at: datetime


@dataclass(frozen=True)
class SwitchFlaggedStuck:
    attempt: int
    at: datetime


Event = (
    SwitchRequested
    | DeadlinesComputed
    | SupplyDeadlinesComputed
    | RegistrationSubmitted
    | SubmissionRefused
    | NotificationApplied
    | NotificationUnmatched
    | MarketSectorCorrected
    | SwitchWithdrawn
    | WithdrawalRequested
    | WithdrawalRefused
    | DeadlineMissed
    | CompensationDue
    | TargetMissed
    | TargetMissCleared
    | CompensationOwed
    | CompensationCleared
    | CompensationWaived
    | SwitchFlaggedStuck
)

EVENT_TYPES: dict[str, type[Event]] = {cls.__name__: cls for cls in typing.get_args(Event)}

#: The schema version each event type is written with today.
SCHEMA_VERSIONS: dict[str, int] = dict.fromkeys(EVENT_TYPES, 1) | {"NotificationApplied": 2}


def _notification_applied_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    # Version 1 did not record the meter point CSS named or the sector it holds.
    return {**data, "mpxn": None, "market_sector": None}


#: (type, version) -> function turning that version's data into version + 1's.
UPCASTERS: dict[tuple[str, int], Upcaster] = {
    ("NotificationApplied", 1): _notification_applied_v1_to_v2,
}


class UnknownEvent(DomainError):
    """A stored record this code cannot read; the message names type and version."""


def event_to_record(event: Event) -> tuple[str, dict[str, Any]]:
    """The stored type name and JSON-able data of an event."""
    return type(event).__name__, to_record(event)


def event_from_record(type_name: str, data: Mapping[str, Any], schema_version: int) -> Event:
    """Decode a stored record, upcasting it first when written by an older schema."""
    cls = EVENT_TYPES.get(type_name)
    if cls is None:
        raise UnknownEvent(f"unknown event type {type_name!r}")
    upgraded = current_record(type_name, data, schema_version)
    try:
        return from_record(cls, upgraded)
    except (KeyError, ValueError, TypeError) as error:
        raise UnknownEvent(f"{type_name} v{schema_version} record is malformed: {error}") from None


def current_record(type_name: str, data: Mapping[str, Any], schema_version: int) -> dict[str, Any]:
    """A stored record brought to the schema version its type is written with today."""
    upcasters = {version: f for (name, version), f in UPCASTERS.items() if name == type_name}
    try:
        return upcast(dict(data), schema_version, SCHEMA_VERSIONS[type_name], upcasters)
    except ValueError as error:
        raise UnknownEvent(f"{type_name}: {error}") from None
