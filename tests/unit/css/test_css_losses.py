"""The losing side's wire: every loss notification and request round-trips, the receiver's
category table sorts every event type, and bad bodies are refused naming the field."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from css.errors import InvalidMessage
from css.inbound import Category, category_of, parse_inbound
from css.losses import (
    LossActionRequest,
    LossDated,
    LossMessage,
    LossPending,
    LossRequestAck,
    LossWithReason,
    ObjectionRequest,
    parse_loss_action_request,
    parse_loss_request_ack,
    parse_objection_request,
    to_loss_notification,
)
from css.messages import Confirmed
from css.wire import encode
from domain.identifiers import Fuel, MarketSector
from domain.lifecycle import NotificationKind
from domain.loss_notification import LossKind
from domain.objection_policy import Evidence
from domain.objections import ObjectionGround

AT = datetime(2026, 3, 2, 9, 1, tzinfo=UTC)
HEAD = ("M-1", "REG-1", "1312345678907", AT)
PENDING = LossPending(
    LossKind.PENDING,
    *HEAD,
    fuel=Fuel.ELECTRICITY,
    market_sector=MarketSector.NON_DOMESTIC,
    gaining_supplier_id="OTHR",
    objection_window_end=datetime(2026, 3, 4, 9, 1, tzinfo=UTC),
    supply_start_date=date(2026, 3, 5),
    change_of_occupancy=True,
    erroneous_transfer=False,
)
EVERY_KIND: list[LossMessage] = [
    PENDING,
    LossMessage(LossKind.CONFIRMED, *HEAD),
    LossMessage(LossKind.OBJECTED, *HEAD),
    LossDated(LossKind.SECURED, *HEAD, supply_start_date=date(2026, 3, 5)),
    LossDated(LossKind.COMPLETED, *HEAD, supply_start_date=date(2026, 3, 5)),
    LossMessage(LossKind.WITHDRAWN, *HEAD),
    LossWithReason(LossKind.REJECTED, *HEAD, reason_code="INVALID"),
    LossWithReason(LossKind.ANNULLED, *HEAD, reason_code="ANNULLED_BY_LOSING_SUPPLIER"),
]


@pytest.mark.parametrize("message", EVERY_KIND, ids=lambda m: m.event_type.value)
def test_every_loss_notification_round_trips_and_is_a_loss(message: LossMessage) -> None:
    parsed = parse_inbound(encode(message.to_wire()))
    assert parsed == message
    assert category_of(parsed) is Category.LOSS
    told = to_loss_notification(message)
    assert (told.kind, told.registration_id, told.occurred_at) == (
        message.event_type,
        "REG-1",
        AT,
    )


def test_the_pending_loss_carries_the_switch_particulars_into_the_domain() -> None:
    told = to_loss_notification(PENDING)
    assert told.market_sector is MarketSector.NON_DOMESTIC
    assert told.gaining_supplier_id == "OTHR"
    assert told.change_of_occupancy
    assert not told.erroneous_transfer
    assert told.supply_start_date == date(2026, 3, 5)


def test_a_gain_notification_is_a_registration() -> None:
    confirmed = Confirmed("M-2", "REG-2", "1312345678907", AT)
    parsed = parse_inbound(encode(confirmed.to_wire()))
    assert parsed == confirmed
    assert category_of(parsed) is Category.REGISTRATION


def test_every_event_type_belongs_to_exactly_one_category() -> None:
    gains = {kind.value for kind in NotificationKind}
    losses = {kind.value for kind in LossKind}
    assert gains.isdisjoint(losses)


@pytest.mark.parametrize(
    ("changes", "fault"),
    [
        ({"eventType": "LOSS_TELEPORTED"}, 'unknown eventType "LOSS_TELEPORTED"'),
        ({"eventType": 7}, "'eventType' must be a non-empty string"),
        ({"objectionWindowEnd": "2026-03-04"}, "(LOSS_PENDING): field 'objectionWindowEnd'"),
        ({"erroneousTransfer": "no"}, "field 'erroneousTransfer' must be a boolean"),
        ({"marketSector": "X"}, 'unknown marketSector "X"'),
    ],
)
def test_a_bad_loss_notification_is_refused_naming_the_field(
    changes: dict[str, Any], fault: str
) -> None:
    with pytest.raises(InvalidMessage) as refused:
        parse_inbound(encode(PENDING.to_wire() | changes))
    assert fault in str(refused.value)


def test_a_missing_event_type_is_refused() -> None:
    wire = PENDING.to_wire()
    del wire["eventType"]
    with pytest.raises(InvalidMessage, match="missing field 'eventType'"):
        parse_inbound(encode(wire))


DEBT = Evidence(
    ObjectionGround.DEBT,
    assessed_on=date(2026, 3, 2),
    arrears_pence=12_345,
    oldest_unpaid_due=date(2026, 1, 5),
    days_overdue=56,
)
CONTRACT = Evidence(
    ObjectionGround.CONTRACT,
    assessed_on=date(2026, 3, 2),
    fixed_term_end=date(2026, 9, 30),
    supply_start_date=date(2026, 3, 5),
)


def test_an_objection_round_trips_with_its_evidence() -> None:
    request = ObjectionRequest("M-obj", AT, "GAIN", (DEBT, CONTRACT))
    assert parse_objection_request(encode(request.to_wire())) == request


def test_an_objection_without_evidence_is_refused() -> None:
    wire = ObjectionRequest("M-obj", AT, "GAIN", (DEBT,)).to_wire() | {"grounds": []}
    with pytest.raises(InvalidMessage, match="carries its evidence"):
        parse_objection_request(encode(wire))


def test_evidence_that_does_not_ground_an_objection_is_refused() -> None:
    wire = ObjectionRequest("M-obj", AT, "GAIN", (DEBT,)).to_wire()
    wire["grounds"][0]["daysOverdue"] = 28
    with pytest.raises(InvalidMessage, match=r"grounds\[0\]: debt evidence"):
        parse_objection_request(encode(wire))


def test_lift_annulment_and_acknowledgement_round_trip() -> None:
    lift = LossActionRequest("M-lift", AT, "GAIN", "the customer paid")
    assert parse_loss_action_request(encode(lift.to_wire()), "lift") == lift
    ack = LossRequestAck("REG-1", "M-lift", "PENDING")
    assert parse_loss_request_ack(encode(ack.to_wire())) == ack
    without_reason = {k: v for k, v in lift.to_wire().items() if k != "reason"}
    with pytest.raises(InvalidMessage, match="annulment request: missing field 'reason'"):
        parse_loss_action_request(encode(without_reason), "annulment request")
