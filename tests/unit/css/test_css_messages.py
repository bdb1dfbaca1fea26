"""The wire messages: every notification type round-trips, and every fault is named."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from css import messages as m
from css.errors import InvalidMessage
from css.wire import encode
from domain.identifiers import Fuel, MarketSector
from domain.lifecycle import NotificationKind

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
COMMON = ("msg-1", "reg-1", "1312345678907", AT)

ALL_KINDS: list[m.NotificationMessage] = [
    m.Validated(*COMMON, AT + timedelta(days=1), date(2026, 3, 4), MarketSector.DOMESTIC),
    m.Rejected(*COMMON, "INVALID_MPXN"),
    m.ObjectionRaised(*COMMON),
    m.ObjectionLifted(*COMMON),
    m.Confirmed(*COMMON),
    m.Objected(*COMMON),
    m.Secured(*COMMON, date(2026, 3, 4)),
    m.Active(*COMMON, date(2026, 3, 4)),
    m.Annulled(*COMMON, "ERRONEOUS"),
    m.Withdrawn(*COMMON),
]


def wire(kind: m.NotificationMessage, **changes: object) -> bytes:
    payload = kind.to_wire()
    for key, value in changes.items():
        if value is ...:
            del payload[key]
        else:
            payload[key] = value
    return encode(payload)


def test_every_event_type_has_a_dataclass() -> None:
    assert {n.event_type for n in ALL_KINDS} == set(NotificationKind)


@pytest.mark.parametrize("notification", ALL_KINDS, ids=lambda n: n.event_type.value)
def test_notifications_round_trip(notification: m.NotificationMessage) -> None:
    parsed = m.parse_notification(encode(notification.to_wire()))
    assert parsed == notification
    assert type(parsed) is type(notification)


def test_occurred_at_keeps_its_offset() -> None:
    london_summer = datetime(2026, 6, 1, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    parsed = m.parse_notification(wire(ALL_KINDS[4], occurredAt=london_summer.isoformat()))
    assert parsed.occurred_at == london_summer
    assert parsed.occurred_at.utcoffset() == timedelta(hours=1)


def test_unknown_fields_are_tolerated() -> None:
    assert m.parse_notification(wire(ALL_KINDS[4], futureField={"x": 1})) == ALL_KINDS[4]


def test_unknown_event_type_lists_the_allowed_ones() -> None:
    with pytest.raises(InvalidMessage) as refused:
        m.parse_notification(wire(ALL_KINDS[4], eventType="REVOKED"))
    assert str(refused.value) == (
        'notification: unknown eventType "REVOKED" (allowed: VALIDATED, REJECTED, '
        "OBJECTION_RAISED, OBJECTION_LIFTED, CONFIRMED, OBJECTED, SECURED, ACTIVE, ANNULLED, "
        "WITHDRAWN)"
    )
    assert refused.value.field == "eventType"


@pytest.mark.parametrize(
    ("kind", "changes", "message"),
    [
        (
            4,
            {"messageId": ...},
            "notification (CONFIRMED): missing field 'messageId' (a non-empty string)",
        ),
        (4, {"eventType": ...}, "notification: missing field 'eventType' (one of VALIDATED"),
        (4, {"eventType": 3}, "notification: field 'eventType' must be one of VALIDATED"),
        (
            4,
            {"registrationId": 42},
            "field 'registrationId' must be a non-empty string, got number",
        ),
        (4, {"mpxn": None}, "field 'mpxn' must be a non-empty string, got null"),
        (4, {"mpxn": ""}, "field 'mpxn' must be a non-empty string, got \"\""),
        (
            4,
            {"occurredAt": "2026-03-02T09:00:00"},
            'must be an ISO-8601 date-time with offset, got "2026-03-02T09:00:00"',
        ),
        (
            4,
            {"occurredAt": "2026-03-02"},
            "field 'occurredAt' must be an ISO-8601 date-time with offset",
        ),
        (4, {"occurredAt": "yesterday"}, "field 'occurredAt' must be an ISO-8601"),
        (
            4,
            {"occurredAt": 1700000000},
            "field 'occurredAt' must be an ISO-8601 date-time with offset, got number",
        ),
        (
            0,
            {"objectionWindowEnd": ...},
            "notification (VALIDATED): missing field 'objectionWindowEnd'",
        ),
        (
            0,
            {"supplyStartDate": "04/03/2026"},
            "field 'supplyStartDate' must be a date YYYY-MM-DD, got \"04/03/2026\"",
        ),
        (
            0,
            {"supplyStartDate": "2026-02-30"},
            "field 'supplyStartDate' must be a real calendar date",
        ),
        (0, {"marketSector": "X"}, 'unknown marketSector "X" (allowed: D, N)'),
        (1, {"reasonCode": ...}, "notification (REJECTED): missing field 'reasonCode'"),
        (
            8,
            {"reasonCode": True},
            "notification (ANNULLED): field 'reasonCode' must be a non-empty string, got boolean",
        ),
        (6, {"supplyStartDate": ...}, "notification (SECURED): missing field 'supplyStartDate'"),
        (
            7,
            {"supplyStartDate": ["2026-03-04"]},
            "notification (ACTIVE): field 'supplyStartDate' must be a date YYYY-MM-DD, got array",
        ),
    ],
)
def test_faults_are_named_precisely(kind: int, changes: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidMessage) as refused:
        m.parse_notification(wire(ALL_KINDS[kind], **changes))
    assert message in str(refused.value)
    assert refused.value.field == next(iter(changes))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "notification is not valid JSON"),
        (b"{", "notification is not valid JSON"),
        (b"\xff\xfe", "notification is not valid JSON"),
        (b"[]", "notification must be a JSON object, got array"),
        (b'"text"', "notification must be a JSON object, got string"),
        (b"null", "notification must be a JSON object, got null"),
    ],
)
def test_bodies_that_are_not_objects(body: bytes, message: str) -> None:
    with pytest.raises(InvalidMessage, match=message):
        m.parse_notification(body)


def request(**changes: object) -> m.RegistrationRequest:
    base = m.RegistrationRequest(
        message_id="msg-9",
        sent_at=AT,
        gaining_supplier_id="GAIN",
        mpxn="3938424403",
        fuel=Fuel.GAS,
        market_sector=MarketSector.NON_DOMESTIC,
        requested_supply_start_date=date(2026, 3, 20),
        change_of_occupancy=True,
        erroneous_transfer=False,
        shipper_id="SHIP",
    )
    return m.RegistrationRequest(**(base.__dict__ | changes))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "req",
    [
        request(),
        request(requested_supply_start_date=None),
        request(fuel=Fuel.ELECTRICITY, shipper_id=None, mpxn="1312345678907"),
    ],
)
def test_registration_request_round_trips(req: m.RegistrationRequest) -> None:
    assert m.parse_registration_request(encode(req.to_wire())) == req


def test_registration_request_wire_names() -> None:
    assert request().to_wire() == {
        "messageId": "msg-9",
        "sentAt": "2026-03-02T09:00:00+00:00",
        "gainingSupplierId": "GAIN",
        "mpxn": "3938424403",
        "fuel": "GAS",
        "marketSector": "N",
        "requestedSupplyStartDate": "2026-03-20",
        "changeOfOccupancy": True,
        "erroneousTransfer": False,
        "shipperId": "SHIP",
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"shipperId": None}, "field 'shipperId' is required for GAS"),
        ({"requestedSupplyStartDate": ...}, "missing field 'requestedSupplyStartDate'"),
        ({"changeOfOccupancy": "yes"}, "field 'changeOfOccupancy' must be a boolean, got \"yes\""),
        ({"erroneousTransfer": 0}, "field 'erroneousTransfer' must be a boolean, got number"),
        ({"fuel": "OIL"}, 'unknown fuel "OIL" (allowed: ELECTRICITY, GAS)'),
    ],
)
def test_registration_request_faults(changes: dict[str, object], message: str) -> None:
    payload = request().to_wire()
    for key, value in changes.items():
        if value is ...:
            del payload[key]
        else:
            payload[key] = value
    with pytest.raises(InvalidMessage) as refused:
        m.parse_registration_request(encode(payload))
    assert message in str(refused.value)
    assert refused.value.field == next(iter(changes))


def test_status_round_trips_with_and_without_optional_fields() -> None:
    full = m.RegistrationStatus(
        "reg-1",
        m.CssStatus.CONFIRMED,
        "1312345678907",
        NotificationKind.CONFIRMED,
        "n-3",
        AT,
        AT + timedelta(days=1),
        date(2026, 3, 4),
        None,
    )
    empty = m.RegistrationStatus(
        "reg-2", m.CssStatus.RECEIVED, "1312345678907", None, None, None, None, None, None
    )
    for status in (full, empty):
        assert m.parse_registration_status(encode(status.to_wire())) == status


def test_ack_withdrawal_and_error_bodies_round_trip() -> None:
    ack = m.RegistrationAck("reg-1", "msg-1")
    assert m.parse_registration_ack(encode(ack.to_wire())) == ack
    received = m.RegistrationAck("reg-1", "msg-1", AT)
    assert json.loads(encode(received.to_wire()))["receivedAt"] == AT.isoformat()
    assert m.parse_registration_ack(encode(received.to_wire())) == received
    withdrawal = m.WithdrawalRequest("msg-2", AT, "customer cancelled")
    assert m.parse_withdrawal_request(encode(withdrawal.to_wire())) == withdrawal
    error = m.ErrorBody("ALREADY_SECURED", "secured at 17:00")
    assert m.parse_error_body(encode(error.to_wire())) == error
    assert json.loads(encode(error.to_wire())) == {
        "reasonCode": "ALREADY_SECURED",
        "detail": "secured at 17:00",
    }


def test_every_event_type_moves_to_a_status() -> None:
    assert set(m.STATUS_AFTER) == set(NotificationKind)
    assert set(m.CssStatus) > m.TERMINAL_STATUSES
