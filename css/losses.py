"""The losing side's CSS wire: the notifications CSS pushes about a switch away from us, and
the requests we send on such a registration (objection, its lift, annulment).

Shaped like the gaining side's (`css.messages`): camelCase JSON, strict on what we need,
tolerant of fields we do not know. The event types are the domain's `LossKind` values.

    LOSS_PENDING      objectionWindowEnd, supplyStartDate, gainingSupplierId, fuel,
                      marketSector (CSS's), changeOfOccupancy, erroneousTransfer
    LOSS_SECURED, LOSS_COMPLETED        supplyStartDate
    LOSS_REJECTED, LOSS_ANNULLED        reasonCode
    LOSS_CONFIRMED, LOSS_OBJECTED, LOSS_WITHDRAWN      the common fields only

    POST /v1/registrations/{id}/objection       {messageId, sentAt, losingSupplierId, grounds}
    POST /v1/registrations/{id}/objection-lift  {messageId, sentAt, losingSupplierId, reason}
    POST /v1/registrations/{id}/annulment       {messageId, sentAt, losingSupplierId, reason}
    -> 202 {registrationId, messageId, status}; refusals 4xx {reasonCode, detail}
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from css.errors import InvalidMessage
from css.wire import Fields, wire_datetime
from domain.errors import DomainError
from domain.identifiers import Fuel, MarketSector
from domain.loss_notification import LossKind, LossNotification
from domain.objection_policy import Evidence
from domain.objections import ObjectionGround

OBJECTION = "objection"
LIFT = "objection-lift"
ANNULMENT = "annulment"


def request_path(registration_id: str, action: str) -> str:
    return f"/v1/registrations/{quote(registration_id, safe='')}/{action}"


# --- notifications (CSS -> losing supplier) ------------------------------------------------


@dataclass(frozen=True)
class LossMessage:
    event_type: LossKind
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
class LossPending(LossMessage):
    fuel: Fuel
    market_sector: MarketSector
    gaining_supplier_id: str
    objection_window_end: datetime
    supply_start_date: date
    change_of_occupancy: bool
    erroneous_transfer: bool

    def to_wire(self) -> dict[str, Any]:
        return super().to_wire() | {
            "fuel": self.fuel.value,
            "marketSector": self.market_sector.value,
            "gainingSupplierId": self.gaining_supplier_id,
            "objectionWindowEnd": wire_datetime(self.objection_window_end),
            "supplyStartDate": self.supply_start_date.isoformat(),
            "changeOfOccupancy": self.change_of_occupancy,
            "erroneousTransfer": self.erroneous_transfer,
        }


@dataclass(frozen=True)
class LossDated(LossMessage):
    supply_start_date: date

    def to_wire(self) -> dict[str, Any]:
        return super().to_wire() | {"supplyStartDate": self.supply_start_date.isoformat()}


@dataclass(frozen=True)
class LossWithReason(LossMessage):
    reason_code: str

    def to_wire(self) -> dict[str, Any]:
        return super().to_wire() | {"reasonCode": self.reason_code}


DATED = frozenset({LossKind.SECURED, LossKind.COMPLETED})
WITH_REASON = frozenset({LossKind.REJECTED, LossKind.ANNULLED})


def loss_from_fields(fields: Fields, event_type: LossKind) -> LossMessage:
    """The losing-side notification of `event_type` in `fields`, or `InvalidMessage`."""
    common = (
        event_type,
        fields.text("messageId"),
        fields.text("registrationId"),
        fields.text("mpxn"),
        fields.instant("occurredAt"),
    )
    if event_type is LossKind.PENDING:
        return LossPending(
            *common,
            fuel=fields.choice("fuel", Fuel),
            market_sector=fields.choice("marketSector", MarketSector),
            gaining_supplier_id=fields.text("gainingSupplierId"),
            objection_window_end=fields.instant("objectionWindowEnd"),
            supply_start_date=fields.day("supplyStartDate"),
            change_of_occupancy=fields.flag("changeOfOccupancy"),
            erroneous_transfer=fields.flag("erroneousTransfer"),
        )
    if event_type in DATED:
        return LossDated(*common, supply_start_date=fields.day("supplyStartDate"))
    if event_type in WITH_REASON:
        return LossWithReason(*common, reason_code=fields.text("reasonCode"))
    return LossMessage(*common)


def to_loss_notification(message: LossMessage) -> LossNotification:
    """The domain's loss notification; the type-specific fields where CSS sends them."""
    told = LossNotification(
        message_id=message.message_id,
        kind=message.event_type,
        registration_id=message.registration_id,
        mpxn=message.mpxn,
        occurred_at=message.occurred_at,
    )
    if isinstance(message, LossPending):
        return replace(
            told,
            fuel=message.fuel,
            market_sector=message.market_sector,
            gaining_supplier_id=message.gaining_supplier_id,
            objection_window_end=message.objection_window_end,
            supply_start_date=message.supply_start_date,
            change_of_occupancy=message.change_of_occupancy,
            erroneous_transfer=message.erroneous_transfer,
        )
    if isinstance(message, LossDated):
        return replace(told, supply_start_date=message.supply_start_date)
    if isinstance(message, LossWithReason):
        return replace(told, reason_code=message.reason_code)
    return told


# --- requests (losing supplier -> CSS) -----------------------------------------------------


def evidence_to_wire(item: Evidence) -> dict[str, Any]:
    def day(value: date | None) -> str | None:
        return None if value is None else value.isoformat()

    return {
        "ground": item.ground.value,
        "assessedOn": item.assessed_on.isoformat(),
        "arrearsPence": item.arrears_pence,
        "oldestUnpaidDueDate": day(item.oldest_unpaid_due),
        "daysOverdue": item.days_overdue,
        "fixedTermEndDate": day(item.fixed_term_end),
        "supplyStartDate": day(item.supply_start_date),
    }


def evidence_from_fields(fields: Fields) -> Evidence:
    def count(name: str) -> int | None:
        value = fields.raw.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidMessage(f"{fields.what}: field '{name}' must be a whole number", name)
        return value

    try:
        return Evidence(
            ground=fields.choice("ground", ObjectionGround),
            assessed_on=fields.day("assessedOn"),
            arrears_pence=count("arrearsPence"),
            oldest_unpaid_due=fields.optional_day("oldestUnpaidDueDate"),
            days_overdue=count("daysOverdue"),
            fixed_term_end=fields.optional_day("fixedTermEndDate"),
            supply_start_date=fields.optional_day("supplyStartDate"),
        )
    except DomainError as error:
        raise InvalidMessage(f"{fields.what}: {error}", "grounds") from None


@dataclass(frozen=True)
class ObjectionRequest:
    message_id: str
    sent_at: datetime
    losing_supplier_id: str
    grounds: tuple[Evidence, ...]

    def to_wire(self) -> dict[str, Any]:
        return {
            "messageId": self.message_id,
            "sentAt": wire_datetime(self.sent_at),
            "losingSupplierId": self.losing_supplier_id,
            "grounds": [evidence_to_wire(item) for item in self.grounds],
        }


def parse_objection_request(body: bytes) -> ObjectionRequest:
    fields = Fields.from_body(body, "objection request")
    raw_grounds = fields.raw.get("grounds")
    if not isinstance(raw_grounds, list) or not raw_grounds:
        raise InvalidMessage(
            "objection request: field 'grounds' must be a non-empty array (an objection "
            "carries its evidence)",
            "grounds",
        )
    grounds = tuple(
        evidence_from_fields(Fields(item, f"objection request: grounds[{index}]"))
        for index, item in enumerate(raw_grounds)
    )
    return ObjectionRequest(
        fields.text("messageId"), fields.instant("sentAt"), fields.text("losingSupplierId"), grounds
    )


@dataclass(frozen=True)
class LossActionRequest:
    """An objection's lift, or an annulment: who asks, and why."""

    message_id: str
    sent_at: datetime
    losing_supplier_id: str
    reason: str

    def to_wire(self) -> dict[str, Any]:
        return {
            "messageId": self.message_id,
            "sentAt": wire_datetime(self.sent_at),
            "losingSupplierId": self.losing_supplier_id,
            "reason": self.reason,
        }


def parse_loss_action_request(body: bytes, what: str) -> LossActionRequest:
    fields = Fields.from_body(body, what)
    return LossActionRequest(
        fields.text("messageId"),
        fields.instant("sentAt"),
        fields.text("losingSupplierId"),
        fields.text("reason"),
    )


@dataclass(frozen=True)
class LossRequestAck:
    registration_id: str
    message_id: str
    status: str

    def to_wire(self) -> dict[str, Any]:
        return {
            "registrationId": self.registration_id,
            "messageId": self.message_id,
            "status": self.status,
        }


def parse_loss_request_ack(body: bytes) -> LossRequestAck:
    fields = Fields.from_body(body, "acknowledgement")
    return LossRequestAck(
        fields.text("registrationId"), fields.text("messageId"), fields.text("status")
    )
