"""The CSS wire messages as typed dataclasses, and their strict JSON mapping.

Everything CSS-specific about the shape of a body lives here: field names, date formats,
event type names and which fields each notification type carries. Parsing is strict on
what we need (a missing field or a wrong JSON type is refused with the field's name, the
expected type and what was found) and tolerant of fields we do not know, so that CSS may
add fields without breaking us.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from css.errors import InvalidMessage
from css.wire import Fields, wire_datetime
from domain.identifiers import Fuel, MarketSector


class EventType(StrEnum):
    VALIDATED = "VALIDATED"
    REJECTED = "REJECTED"
    OBJECTION_RAISED = "OBJECTION_RAISED"
    OBJECTION_LIFTED = "OBJECTION_LIFTED"
    CONFIRMED = "CONFIRMED"
    OBJECTED = "OBJECTED"
    SECURED = "SECURED"
    ACTIVE = "ACTIVE"
    ANNULLED = "ANNULLED"
    WITHDRAWN = "WITHDRAWN"


class CssStatus(StrEnum):
    """A registration's status as CSS reports it on `GET /v1/registrations/{id}`."""

    RECEIVED = "RECEIVED"
    PENDING = "PENDING"
    OBJECTION_RECEIVED = "OBJECTION_RECEIVED"
    CONFIRMED = "CONFIRMED"
    SECURED = "SECURED"
    ACTIVE = "ACTIVE"
    REJECTED = "REJECTED"
    OBJECTED = "OBJECTED"
    WITHDRAWN = "WITHDRAWN"
    ANNULLED = "ANNULLED"


STATUS_AFTER: dict[EventType, CssStatus] = {
    EventType.VALIDATED: CssStatus.PENDING,
    EventType.REJECTED: CssStatus.REJECTED,
    EventType.OBJECTION_RAISED: CssStatus.OBJECTION_RECEIVED,
    EventType.OBJECTION_LIFTED: CssStatus.PENDING,
    EventType.CONFIRMED: CssStatus.CONFIRMED,
    EventType.OBJECTED: CssStatus.OBJECTED,
    EventType.SECURED: CssStatus.SECURED,
    EventType.ACTIVE: CssStatus.ACTIVE,
    EventType.ANNULLED: CssStatus.ANNULLED,
    EventType.WITHDRAWN: CssStatus.WITHDRAWN,
}

TERMINAL_STATUSES = frozenset(
    {
        CssStatus.ACTIVE,
        CssStatus.REJECTED,
        CssStatus.OBJECTED,
        CssStatus.WITHDRAWN,
        CssStatus.ANNULLED,
    }
)


# --- notifications (CSS -> supplier) --------------------------------------------------


@dataclass(frozen=True)
class NotificationBase:
    event_type: ClassVar[EventType]
    message_id: str
    registration_id: str
    mpxn: str
    occurred_at: datetime

    def to_wire(self) -> dict[str, Any]:
        return {
            "messageId": self.message_id,
            "eventType": self.event_type.value,
            "registrationId": self.registration_id,
            "mpxn": self.mpxn,
            "occurredAt": wire_datetime(self.occurred_at),
        }


@dataclass(frozen=True)
class Validated(NotificationBase):
    event_type = EventType.VALIDATED
    objection_window_end: datetime
    supply_start_date: date
    market_sector: MarketSector

    def to_wire(self) -> dict[str, Any]:
        return super().to_wire() | {
            "objectionWindowEnd": wire_datetime(self.objection_window_end),
            "supplyStartDate": self.supply_start_date.isoformat(),
            "marketSector": self.market_sector.value,
        }


@dataclass(frozen=True)
class _WithReason(NotificationBase):
    reason_code: str

    def to_wire(self) -> dict[str, Any]:
        return super().to_wire() | {"reasonCode": self.reason_code}


@dataclass(frozen=True)
class Rejected(_WithReason):
    event_type = EventType.REJECTED


@dataclass(frozen=True)
class Annulled(_WithReason):
    event_type = EventType.ANNULLED


@dataclass(frozen=True)
class _WithSsd(NotificationBase):
    supply_start_date: date

    def to_wire(self) -> dict[str, Any]:
        return super().to_wire() | {"supplyStartDate": self.supply_start_date.isoformat()}


@dataclass(frozen=True)
class Secured(_WithSsd):
    event_type = EventType.SECURED


@dataclass(frozen=True)
class Active(_WithSsd):
    event_type = EventType.ACTIVE


@dataclass(frozen=True)
class ObjectionRaised(NotificationBase):
    event_type = EventType.OBJECTION_RAISED


@dataclass(frozen=True)
class ObjectionLifted(NotificationBase):
    event_type = EventType.OBJECTION_LIFTED


@dataclass(frozen=True)
class Confirmed(NotificationBase):
    event_type = EventType.CONFIRMED


@dataclass(frozen=True)
class Objected(NotificationBase):
    event_type = EventType.OBJECTED


@dataclass(frozen=True)
class Withdrawn(NotificationBase):
    event_type = EventType.WITHDRAWN


Notification = (
    Validated
    | Rejected
    | ObjectionRaised
    | ObjectionLifted
    | Confirmed
    | Objected
    | Secured
    | Active
    | Annulled
    | Withdrawn
)

#: The notifications that carry nothing beyond the common fields, by event type.
BARE: dict[
    EventType, type[ObjectionRaised | ObjectionLifted | Confirmed | Objected | Withdrawn]
] = {
    EventType.OBJECTION_RAISED: ObjectionRaised,
    EventType.OBJECTION_LIFTED: ObjectionLifted,
    EventType.CONFIRMED: Confirmed,
    EventType.OBJECTED: Objected,
    EventType.WITHDRAWN: Withdrawn,
}


def notification_from_fields(fields: Fields) -> Notification:
    event_type = fields.choice("eventType", EventType)
    # Later faults name the type, since which fields are required depends on it.
    fields = Fields(fields.raw, f"{fields.what} ({event_type.value})")
    common = (
        fields.text("messageId"),
        fields.text("registrationId"),
        fields.text("mpxn"),
        fields.instant("occurredAt"),
    )
    if event_type is EventType.VALIDATED:
        return Validated(
            *common,
            objection_window_end=fields.instant("objectionWindowEnd"),
            supply_start_date=fields.day("supplyStartDate"),
            market_sector=fields.choice("marketSector", MarketSector),
        )
    if event_type in (EventType.REJECTED, EventType.ANNULLED):
        kind = Rejected if event_type is EventType.REJECTED else Annulled
        return kind(*common, reason_code=fields.text("reasonCode"))
    if event_type in (EventType.SECURED, EventType.ACTIVE):
        dated = Secured if event_type is EventType.SECURED else Active
        return dated(*common, supply_start_date=fields.day("supplyStartDate"))
    return BARE[event_type](*common)


def parse_notification(body: bytes) -> Notification:
    """The notification in `body`, or `InvalidMessage` saying exactly what is wrong."""
    return notification_from_fields(Fields.from_body(body, "notification"))


# --- registrations (supplier -> CSS) --------------------------------------------------


@dataclass(frozen=True)
class RegistrationRequest:
    message_id: str
    sent_at: datetime
    gaining_supplier_id: str
    mpxn: str
    fuel: Fuel
    market_sector: MarketSector
    requested_supply_start_date: date | None
    change_of_occupancy: bool
    erroneous_transfer: bool
    shipper_id: str | None

    def to_wire(self) -> dict[str, Any]:
        ssd = self.requested_supply_start_date
        return {
            "messageId": self.message_id,
            "sentAt": wire_datetime(self.sent_at),
            "gainingSupplierId": self.gaining_supplier_id,
            "mpxn": self.mpxn,
            "fuel": self.fuel.value,
            "marketSector": self.market_sector.value,
            "requestedSupplyStartDate": None if ssd is None else ssd.isoformat(),
            "changeOfOccupancy": self.change_of_occupancy,
            "erroneousTransfer": self.erroneous_transfer,
            "shipperId": self.shipper_id,
        }


def parse_registration_request(body: bytes) -> RegistrationRequest:
    fields = Fields.from_body(body, "registration request")
    if "requestedSupplyStartDate" not in fields.raw:
        raise InvalidMessage(
            "registration request: missing field 'requestedSupplyStartDate' "
            "(a date YYYY-MM-DD or null)",
            "requestedSupplyStartDate",
        )
    fuel = fields.choice("fuel", Fuel)
    shipper_id = fields.optional_text("shipperId")
    if fuel is Fuel.GAS and shipper_id is None:
        raise InvalidMessage(
            "registration request: field 'shipperId' is required for GAS", "shipperId"
        )
    return RegistrationRequest(
        message_id=fields.text("messageId"),
        sent_at=fields.instant("sentAt"),
        gaining_supplier_id=fields.text("gainingSupplierId"),
        mpxn=fields.text("mpxn"),
        fuel=fuel,
        market_sector=fields.choice("marketSector", MarketSector),
        requested_supply_start_date=fields.optional_day("requestedSupplyStartDate"),
        change_of_occupancy=fields.flag("changeOfOccupancy"),
        erroneous_transfer=fields.flag("erroneousTransfer"),
        shipper_id=shipper_id,
    )


@dataclass(frozen=True)
class RegistrationAck:
    registration_id: str
    message_id: str
    #: When CSS received the request (its clock starts then); optional on the wire.
    received_at: datetime | None = None

    def to_wire(self) -> dict[str, Any]:
        wire = {"registrationId": self.registration_id, "messageId": self.message_id}
        if self.received_at is not None:
            wire["receivedAt"] = wire_datetime(self.received_at)
        return wire


def parse_registration_ack(body: bytes) -> RegistrationAck:
    fields = Fields.from_body(body, "registration acknowledgement")
    return RegistrationAck(
        fields.text("registrationId"),
        fields.text("messageId"),
        fields.optional_instant("receivedAt"),
    )


@dataclass(frozen=True)
class WithdrawalRequest:
    message_id: str
    sent_at: datetime
    reason: str

    def to_wire(self) -> dict[str, Any]:
        return {
            "messageId": self.message_id,
            "sentAt": wire_datetime(self.sent_at),
            "reason": self.reason,
        }


def parse_withdrawal_request(body: bytes) -> WithdrawalRequest:
    fields = Fields.from_body(body, "withdrawal request")
    return WithdrawalRequest(
        fields.text("messageId"), fields.instant("sentAt"), fields.text("reason")
    )


@dataclass(frozen=True)
class RegistrationStatus:
    """What CSS holds for a registration now, with the fields of its last notification."""

    registration_id: str
    status: CssStatus
    mpxn: str
    last_event_type: EventType | None
    last_message_id: str | None
    occurred_at: datetime | None
    objection_window_end: datetime | None
    supply_start_date: date | None
    reason_code: str | None

    def to_wire(self) -> dict[str, Any]:
        def opt(value: datetime | date | None) -> str | None:
            return None if value is None else value.isoformat()

        return {
            "registrationId": self.registration_id,
            "status": self.status.value,
            "mpxn": self.mpxn,
            "lastEventType": None if self.last_event_type is None else self.last_event_type.value,
            "lastMessageId": self.last_message_id,
            "occurredAt": opt(self.occurred_at),
            "objectionWindowEnd": opt(self.objection_window_end),
            "supplyStartDate": opt(self.supply_start_date),
            "reasonCode": self.reason_code,
        }


def parse_registration_status(body: bytes) -> RegistrationStatus:
    fields = Fields.from_body(body, "registration status")
    has = {name for name, value in fields.raw.items() if value is not None}
    return RegistrationStatus(
        registration_id=fields.text("registrationId"),
        status=fields.choice("status", CssStatus),
        mpxn=fields.text("mpxn"),
        last_event_type=(
            fields.choice("lastEventType", EventType) if "lastEventType" in has else None
        ),
        last_message_id=fields.optional_text("lastMessageId"),
        occurred_at=fields.instant("occurredAt") if "occurredAt" in has else None,
        objection_window_end=(
            fields.instant("objectionWindowEnd") if "objectionWindowEnd" in has else None
        ),
        supply_start_date=fields.optional_day("supplyStartDate"),
        reason_code=fields.optional_text("reasonCode"),
    )


@dataclass(frozen=True)
class ErrorBody:
    """CSS's answer to a refused request."""

    reason_code: str
    detail: str

    def to_wire(self) -> dict[str, Any]:
        return {"reasonCode": self.reason_code, "detail": self.detail}


def parse_error_body(body: bytes) -> ErrorBody:
    fields = Fields.from_body(body, "error body")
    return ErrorBody(fields.text("reasonCode"), fields.text("detail"))
