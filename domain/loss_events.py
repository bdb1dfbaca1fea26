"""Loss events (past tense, immutable) and their codec to and from stored records.

They are stored in the loss's stream `loss-<registration id>` as flat JSON records with a
schema version per type, exactly as switch events are (`domain.records`); the codec refuses
a type it does not know and upcasts an older version before decoding.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from domain.accounts import AccountFacts
from domain.errors import DomainError
from domain.loss_notification import LossNotification
from domain.objection_policy import Assessment, Proposal
from domain.records import EMBEDDED, Upcaster, from_record, to_record, upcast

#: The Guaranteed Standard payment owed when the final bill is late (modelled).
FINAL_BILL_COMPENSATION_PENCE = 3000


class DecidedBy(StrEnum):
    POLICY = "POLICY"  # the policy needed nobody
    OPERATOR = "OPERATOR"  # a person approved or declined
    MARGIN = "MARGIN"  # nobody answered by the safety margin: the policy's proposal stands


class LossRequest(StrEnum):
    """What the losing supplier may ask of CSS about a registration."""

    OBJECTION = "OBJECTION"
    LIFT = "LIFT"
    ANNULMENT = "ANNULMENT"


class RequestResult(StrEnum):
    SENT = "SENT"  # CSS accepted it
    REFUSED = "REFUSED"  # CSS refused it, with a reason code
    NOT_SENT = "NOT_SENT"  # never reached CSS: too late, or CSS unreachable until too late


@dataclass(frozen=True)
class LossNotificationApplied:
    notification: LossNotification = field(metadata=EMBEDDED)
    stale: bool

    @property
    def at(self) -> datetime:
        return self.notification.occurred_at


@dataclass(frozen=True)
class ObjectionWindowMissed:
    """The pending loss reached us after its objection window had closed: nothing is sent."""

    window_end: datetime
    at: datetime


@dataclass(frozen=True)
class ObjectionAssessed:
    assessment: Assessment
    facts: AccountFacts | None
    at: datetime


@dataclass(frozen=True)
class ObjectionDecided:
    decision: Proposal
    by: DecidedBy
    note: str
    at: datetime


@dataclass(frozen=True)
class ObjectionLiftRequested:
    reason: str
    at: datetime


@dataclass(frozen=True)
class AnnulmentRequested:
    reason: str
    at: datetime


@dataclass(frozen=True)
class LossRequestSent:
    request: LossRequest
    message_id: str
    at: datetime


@dataclass(frozen=True)
class LossRequestRefused:
    request: LossRequest
    message_id: str
    reason_code: str
    detail: str
    at: datetime


@dataclass(frozen=True)
class LossRequestNotSent:
    request: LossRequest
    message_id: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class FinalReadDue:
    on: date
    at: datetime


@dataclass(frozen=True)
class FinalBillDue:
    on: date
    at: datetime


@dataclass(frozen=True)
class FinalBillSent:
    on: date
    late: bool
    at: datetime


@dataclass(frozen=True)
class FinalBillOverdue:
    due: date
    pence: int
    at: datetime


LossEvent = (
    LossNotificationApplied
    | ObjectionWindowMissed
    | ObjectionAssessed
    | ObjectionDecided
    | ObjectionLiftRequested
    | AnnulmentRequested
    | LossRequestSent
    | LossRequestRefused
    | LossRequestNotSent
    | FinalReadDue
    | FinalBillDue
    | FinalBillSent
    | FinalBillOverdue
)

LOSS_EVENT_TYPES: dict[str, type[LossEvent]] = {
    cls.__name__: cls for cls in typing.get_args(LossEvent)
}

#: The schema version each loss event type is written with today.
LOSS_SCHEMA_VERSIONS: dict[str, int] = dict.fromkeys(LOSS_EVENT_TYPES, 1)

#: (type, version) -> function turning that version's data into version + 1's.
LOSS_UPCASTERS: dict[tuple[str, int], Upcaster] = {}


class UnknownLossEvent(DomainError):
    """A stored record this code cannot read as a loss event; names type and version."""


def loss_event_to_record(event: LossEvent) -> tuple[str, dict[str, Any]]:
    return type(event).__name__, to_record(event)


def loss_event_from_record(
    type_name: str, data: Mapping[str, Any], schema_version: int
) -> LossEvent:
    cls = LOSS_EVENT_TYPES.get(type_name)
    if cls is None:
        raise UnknownLossEvent(f"unknown loss event type {type_name!r}")
    upcasters = {v: f for (name, v), f in LOSS_UPCASTERS.items() if name == type_name}
    try:
        upgraded = upcast(dict(data), schema_version, LOSS_SCHEMA_VERSIONS[type_name], upcasters)
        return from_record(cls, upgraded)
    except (KeyError, ValueError, TypeError) as error:
        raise UnknownLossEvent(f"{type_name} v{schema_version}: {error}") from None
