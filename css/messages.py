"""The CSS wire messages as typed dataclasses, and their strict JSON mapping.

Everything CSS-specific about the shape of a body lives here: field names, date formats,
which fields each notification type carries, and how each maps to the domain's one
`Notification` (`to_notification`, and `KIND_OF_STATUS` for a status read back). The event
type names on the wire are the domain's `NotificationKind` values. Parsing is strict on
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
from domain.lifecycle import NotificationKind
from domain.notification import Notification


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


STATUS_AFTER: dict[NotificationKind, CssStatus] = {
    NotificationKind.VALIDATED: CssStatus.PENDING,
    NotificationKind.REJECTED: CssStatus.REJECTED,
    NotificationKind.OBJECTION_RAISED: CssStatus.OBJECTION_RECEIVED,
    NotificationKind.OBJECTION_LIFTED: CssStatus.PENDING,
    NotificationKind.CONFIRMED: CssStatus.CONFIRMED,
    NotificationKind.OBJECTED: CssStatus.OBJECTED,
    NotificationKind.SECURED: CssStatus.SECURED,
    NotificationKind.ACTIVE: CssStatus.ACTIVE,
    NotificationKind.ANNULLED: CssStatus.ANNULLED,
    NotificationKind.WITHDRAWN: CssStatus.WITHDRAWN,
}

#: What a status read back from CSS tells the decider, as if CSS had notified it.
KIND_OF_STATUS: dict[CssStatus, NotificationKind | None] = {
    CssStatus.RECEIVED: None,
    CssStatus.PENDING: NotificationKind.VALIDATED,
    CssStatus.OBJECTION_RECEIVED: NotificationKind.OBJECTION_RAISED,
    CssStatus.CONFIRMED: NotificationKind.CONFIRMED,
    CssStatus.SECURED: NotificationKind.SECURED,
    CssStatus.ACTIVE: NotificationKind.ACTIVE,
    CssStatus.REJECTED: NotificationKind.REJECTED,
    CssStatus.OBJECTED: NotificationKind.OBJECTED,
    CssStatus.WITHDRAWN: NotificationKind.WITHDRAWN,
    CssStatus.ANNULLED: NotificationKind.ANNULLED,
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
    event_type: ClassVar[NotificationKind]
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
    event_type = NotificationKind.VALIDATED
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
    event_type = NotificationKind.REJECTED


@dataclass(frozen=True)
class Annulled(_WithReason):
    event_type = NotificationKind.ANNULLED


@dataclass(frozen=True)
class _WithSsd(NotificationBase):
    supply_start_date: date

    def to_wire(self) -> dict[str, Any]:
        return super().to_wire() | {"supplyStartDate": self.supply_start_date.isoformat()}


@dataclass(frozen=True)
class Secured(_WithSsd):
    event_type = NotificationKind.SECURED


@dataclass(frozen=True)
class Active(_WithSsd):
    event_type = NotificationKind.ACTIVE


@dataclass(frozen=True)
class ObjectionRaised(NotificationBase):
    event_type = NotificationKind.OBJECTION_RAISED


@dataclass(frozen=True)
class ObjectionLifted(NotificationBase):
    event_type = NotificationKind.OBJECTION_LIFTED


@dataclass(frozen=True)
class Confirmed(NotificationBase):
    event_type = NotificationKind.CONFIRMED


@dataclass(frozen=True)
class Objected(NotificationBase):
    event_type = NotificationKind.OBJECTED


@dataclass(frozen=True)
class Withdrawn(NotificationBase):
    event_type = NotificationKind.WITHDRAWN


NotificationMessage = (
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
    NotificationKind, type[ObjectionRaised | ObjectionLifted | Confirmed | Objected | Withdrawn]
] = {
    NotificationKind.OBJECTION_RAISED: ObjectionRaised,
    NotificationKind.OBJECTION_LIFTED: ObjectionLifted,
    NotificationKind.CONFIRMED: Confirmed,
    NotificationKind.OBJECTED: Objected,
    NotificationKind.WITHDRAWN: Withdrawn,
}


def notification_from_fields(fields: Fields) -> NotificationMessage:
    event_type = fields.choice("eventType", NotificationKind)
    # Later faults name the type, since which fields are required depends on it.
    fields = Fields(fields.raw, f"{fields.what} ({event_type.value})")
    common = (
        fields.text("messageId"),
        fields.text("registrationId"),
        fields.text("mpxn"),
        fields.instant("occurredAt"),
    )
    if event_type is NotificationKind.VALIDATED:
        return Validated(
            *common,
            objection_window_end=fields.instant("objectionWindowEnd"),
            supply_start_date=fields.day("supplyStartDate"),
            market_sector=fields.choice("marketSector", MarketSector),
        )
    if event_type in (NotificationKind.REJECTED, NotificationKind.ANNULLED):
        kind = Rejected if event_type is NotificationKind.REJECTED else Annulled
        return kind(*common, reason_code=fields.text("reasonCode"))
    if event_type in (NotificationKind.SECURED, NotificationKind.ACTIVE):
        dated = Secured if event_type is NotificationKind.SECURED else Active
        return dated(*common, supply_start_date=fields.day("supplyStartDate"))
    return BARE[event_type](*common)


def parse_notification(body: bytes) -> NotificationMessage:
    """The notification in `body`, or `InvalidMessage` saying exactly what is wrong."""
    return notification_from_fields(Fields.from_body(body, "notification"))


def to_notification(message: NotificationMessage) -> Notification:
    """The domain's notification; type-specific fields only where CSS sends them."""
    window_end = None
    supply_start = None
    reason = None
    sector = None
    if isinstance(message, Validated):
        window_end = message.objection_window_end
        supply_start = message.supply_start_date
        sector = message.market_sector
    elif isinstance(message, Secured | Active):
        supply_start = message.supply_start_date
    elif isinstance(message, Rejected | Annulled):
        reason = message.reason_code
    return Notification(
        message_id=message.message_id,
        kind=message.event_type,
        registration_id=message.registration_id,
        occurred_at=message.occurred_at,
        objection_window_end=window_end,
        supply_start_date=supply_start,
        reason_code=reason,
        mpxn=message.mpxn,
        market_sector=sector,
    )


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
    last_event_type: NotificationKind | None
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
            fields.choice("lastEventType", NotificationKind) if "lastEventType" in has else None
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
