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
    supply_start_date: date
    expected_objection_window_end: datetime
    two_day_target: datetime
    backstop: datetime
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
    target: datetime
    at: datetime


@dataclass(frozen=True)
class CompensationDue:
    backstop: datetime
    pence: int
    at: datetime


@dataclass(frozen=True)
class SwitchFlaggedStuck:
    attempt: int
    at: datetime


Event = (
    SwitchRequested
    | DeadlinesComputed
    | RegistrationSubmitted
    | SubmissionRefused
    | NotificationApplied
    | SwitchWithdrawn
    | WithdrawalRequested
    | WithdrawalRefused
    | DeadlineMissed
    | CompensationDue
    | SwitchFlaggedStuck
)

EVENT_TYPES: dict[str, type[Event]] = {cls.__name__: cls for cls in typing.get_args(Event)}

#: The schema version each event type is written with today.
SCHEMA_VERSIONS: dict[str, int] = dict.fromkeys(EVENT_TYPES, 1)

#: (type, version) -> function turning that version's data into version + 1's.
UPCASTERS: dict[tuple[str, int], Upcaster] = {}


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
    upcasters = {version: f for (name, version), f in UPCASTERS.items() if name == type_name}
    try:
        upgraded = upcast(dict(data), schema_version, SCHEMA_VERSIONS[type_name], upcasters)
    except ValueError as error:
        raise UnknownEvent(f"{type_name}: {error}") from None
    try:
        return from_record(cls, upgraded)
    except (KeyError, ValueError, TypeError) as error:
        raise UnknownEvent(f"{type_name} v{schema_version} record is malformed: {error}") from None
