"""Judging notifications without HTTP: what is accepted, stored, tracked, refused and why."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from css import jws
from eventstore.memory import InMemoryEventStore
from receiver.intake import NotificationIntake, NotRecorded
from receiver.ledger import DeliveryStatus, InMemoryDeliveryLedger
from receiver.records import (
    RECEIVED_TYPE,
    REJECTED_STREAM,
    REJECTED_TYPE,
    ReceivedMessage,
    inbound_stream,
    stored_body,
)

OLD = jws.SigningKey.from_private_key("css-old", ec.generate_private_key(ec.SECP256R1()))
NEW = jws.SigningKey.from_private_key("css-new", ec.generate_private_key(ec.SECP256R1()))
STRANGER = jws.SigningKey.from_private_key("css-x", ec.generate_private_key(ec.SECP256R1()))
TRUSTED = jws.TrustedKeys([OLD.verification_key(), NEW.verification_key()])
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def wire(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "messageId": "msg-1",
        "eventType": "VALIDATED",
        "registrationId": "REG-1",
        "mpxn": "1312345678907",
        "occurredAt": "2026-03-02T09:00:00+00:00",
        "objectionWindowEnd": "2026-03-03T09:00:00+00:00",
        "supplyStartDate": "2026-03-04",
        "marketSector": "D",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def encode(payload: dict[str, Any]) -> bytes:
    # Spaced on purpose: the stored bytes must be these, not a re-encoding.
    return json.dumps(payload, indent=1).encode()


def message(body: bytes, signature: str | None) -> ReceivedMessage:
    return ReceivedMessage(
        body=body,
        signature=signature,
        headers={"Content-Type": "application/json", "Cookie": "x", "X-Request-Id": "r-1"},
        client_subject="CN=css-simulator-push",
        received_at=NOW,
    )


def signed(payload: dict[str, Any], key: jws.SigningKey = OLD) -> ReceivedMessage:
    body = encode(payload)
    return message(body, jws.sign(body, key))


class Parts:
    def __init__(self) -> None:
        self.store = InMemoryEventStore()
        self.ledger = InMemoryDeliveryLedger()
        self.woken = 0
        self.intake = NotificationIntake(
            store=self.store, ledger=self.ledger, trusted_keys=TRUSTED, on_accepted=self._wake
        )

    def _wake(self) -> None:
        self.woken += 1

    async def rejections(self) -> list[dict[str, Any]]:
        return [dict(e.data) for e in await self.store.read_stream(REJECTED_STREAM)]


@pytest.fixture
def parts() -> Parts:
    return Parts()


async def test_accepted_notification_is_stored_verbatim_and_tracked(parts: Parts) -> None:
    received = signed(wire())
    answer = await parts.intake.receive(received)
    assert (answer.status, dict(answer.body)) == (202, {"status": "ACCEPTED", "messageId": "msg-1"})
    [event] = await parts.store.read_stream(inbound_stream("REG-1"))
    assert event.type == RECEIVED_TYPE
    assert event.idempotency_key == "msg-1"
    assert stored_body(event) == received.body
    assert event.data["signature"] == received.signature
    assert event.data["kid"] == "css-old"
    assert event.data["client_subject"] == "CN=css-simulator-push"
    assert event.data["headers"] == {"content-type": "application/json", "x-request-id": "r-1"}
    row = await parts.ledger.get("msg-1")
    assert row is not None
    assert (row.status, row.stream_id, row.stream_version) == (
        DeliveryStatus.PENDING,
        "css-inbound-REG-1",
        1,
    )
    assert parts.woken == 1


async def test_duplicate_message_id_changes_nothing(parts: Parts) -> None:
    await parts.intake.receive(signed(wire()))
    before = await parts.store.read_all()
    answer = await parts.intake.receive(signed(wire()))
    assert (answer.status, answer.body["status"]) == (202, "DUPLICATE")
    assert await parts.store.read_all() == before
    assert len(await parts.ledger.list()) == 1
    assert parts.woken == 1


async def test_both_rotation_keys_verify(parts: Parts) -> None:
    first = await parts.intake.receive(signed(wire(messageId="m-old"), OLD))
    second = await parts.intake.receive(signed(wire(messageId="m-new"), NEW))
    assert (first.status, second.status) == (202, 202)
    kids = [e.data["kid"] for e in await parts.store.read_stream(inbound_stream("REG-1"))]
    assert kids == ["css-old", "css-new"]


def _alg_none(body: bytes) -> str:
    header = jws.b64url_encode(json.dumps({"alg": "none", "kid": "css-old"}).encode())
    return f"{header}..{jws.b64url_encode(b'x')}"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda body: None, "MISSING_SIGNATURE"),
        (lambda body: jws.sign(body + b" ", OLD), "SIGNATURE_MISMATCH"),
        (lambda body: jws.sign(body, STRANGER), "UNKNOWN_KEY_ID"),
        (_alg_none, "ALGORITHM_NOT_ALLOWED"),
        (lambda body: "not-a-jws", "MALFORMED_SIGNATURE"),
    ],
)
async def test_bad_signatures_are_refused_401_and_recorded(
    parts: Parts, make: Any, reason: str
) -> None:
    body = encode(wire())
    answer = await parts.intake.receive(message(body, make(body)))
    assert answer.status == 401
    assert answer.body["reason"] == reason
    [recorded] = await parts.rejections()
    assert (recorded["status"], recorded["reason"]) == (401, reason)
    assert base64.b64decode(recorded["body_base64"]) == body
    assert await parts.store.read_stream(inbound_stream("REG-1")) == []
    assert await parts.ledger.list() == []


async def test_signed_garbage_is_400_malformed_json(parts: Parts) -> None:
    body = b'{"messageId": "m-1",'
    answer = await parts.intake.receive(message(body, jws.sign(body, OLD)))
    assert (answer.status, answer.body["reason"]) == (400, "MALFORMED_JSON")
    assert "not valid JSON" in answer.body["detail"]
    [recorded] = await parts.rejections()
    assert recorded["reason"] == "MALFORMED_JSON"


@pytest.mark.parametrize(
    ("payload", "field", "detail"),
    [
        (wire(eventType="TELEPORTED"), "eventType", 'unknown eventType "TELEPORTED"'),
        (wire(registrationId=...), "registrationId", "missing field 'registrationId'"),
        (wire(supplyStartDate=20260304), "supplyStartDate", "must be a date YYYY-MM-DD"),
        (wire(occurredAt="yesterday"), "occurredAt", "ISO-8601 date-time"),
        (wire(registrationId="REG 1/../x"), "registrationId", "must be 1-128 characters"),
        ([1, 2], None, "must be a JSON object, got array"),
    ],
)
async def test_invalid_messages_are_refused_422_naming_the_field(
    parts: Parts, payload: Any, field: str | None, detail: str
) -> None:
    body = json.dumps(payload).encode()
    answer = await parts.intake.receive(message(body, jws.sign(body, OLD)))
    assert answer.status == 422
    assert answer.body["reason"] == "INVALID_MESSAGE"
    assert answer.body.get("field") == field
    assert detail in answer.body["detail"]
    [recorded] = await parts.rejections()
    assert (recorded["status"], recorded["field"]) == (422, field)
    if isinstance(payload, dict):
        assert recorded["message_id"] == "msg-1"


async def test_the_same_refused_bytes_are_recorded_once(parts: Parts) -> None:
    body = encode(wire())
    for _ in range(3):
        await parts.intake.receive(message(body, None))
    assert len(await parts.rejections()) == 1
    await parts.intake.receive(message(body + b"\n", None))
    assert len(await parts.rejections()) == 2
    assert {r["type"] for r in [{"type": e.type} for e in await parts.store.read_all()]} == {
        REJECTED_TYPE
    }


async def test_storage_failure_accepts_nothing(parts: Parts) -> None:
    await parts.store.close()
    with pytest.raises(NotRecorded, match="msg-1"):
        await parts.intake.receive(signed(wire()))
    assert await parts.ledger.list() == []
