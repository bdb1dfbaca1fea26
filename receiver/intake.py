"""Judging one notification request, free of any web framework.

Order matters: the signature is checked over the exact bytes before the body is read as
JSON, so nothing unauthenticated is interpreted; only then is the JSON parsed (400 when it
is not JSON at all) and the message validated (422, naming the field). Every refusal is
recorded before it is answered. An accepted notification is stored, then tracked for
delivery, and only then answered 202: once CSS holds a 202, the notification survives any
crash. A resent message id finds its key already written and changes nothing, but its
delivery row is still ensured, which closes the gap of a crash between storing and tracking.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from css import jws
from css.errors import BadSignature, InvalidMessage
from css.inbound import InboundMessage, inbound_from_fields
from css.wire import Fields
from eventstore.interface import EventStore
from observability import tracing
from receiver.ledger import DeliveryLedger, NewDelivery
from receiver.records import (
    REJECTED_STREAM,
    ReceivedMessage,
    Rejection,
    inbound_stream,
    received_event,
    registration_id_fault,
    rejected_event,
)

log = logging.getLogger("switching.receiver")


@dataclass(frozen=True)
class Answer:
    status: int
    body: Mapping[str, Any]


class NotRecorded(Exception):
    """Storage failed, so nothing was accepted; the sender should try again (503)."""


def _message_id_of(raw: object) -> str | None:
    if isinstance(raw, dict):
        value = raw.get("messageId")
        if isinstance(value, str) and value.strip():
            return value[:128]
    return None


class NotificationIntake:
    def __init__(
        self,
        *,
        store: EventStore,
        ledger: DeliveryLedger,
        trusted_keys: Mapping[str, jws.VerificationKey],
        on_accepted: Callable[[], None] = lambda: None,
    ) -> None:
        self._store = store
        self._ledger = ledger
        self._keys = trusted_keys
        self._on_accepted = on_accepted

    async def receive(self, message: ReceivedMessage) -> Answer:
        try:
            verified = jws.verify(message.body, message.signature, self._keys)
        except BadSignature as bad:
            return await self.refuse(message, Rejection(401, bad.reason, str(bad)))
        try:
            raw = json.loads(message.body)
        except (UnicodeDecodeError, ValueError) as exc:
            detail = f"notification is not valid JSON: {exc}"
            return await self.refuse(message, Rejection(400, "MALFORMED_JSON", detail))
        try:
            notification = self._validated(raw)
        except InvalidMessage as invalid:
            rejection = Rejection(
                422, invalid.reason, str(invalid), invalid.field, _message_id_of(raw)
            )
            return await self.refuse(message, rejection)
        return await self._accept(message, notification, verified)

    @staticmethod
    def _validated(raw: object) -> InboundMessage:
        notification = inbound_from_fields(Fields(raw, "notification"))
        fault = registration_id_fault(notification.registration_id)
        if fault is not None:
            raise InvalidMessage(fault, "registrationId")
        return notification

    async def refuse(self, message: ReceivedMessage, rejection: Rejection) -> Answer:
        """Record a refusal, then answer it."""
        try:
            await self._store.append(REJECTED_STREAM, [rejected_event(message, rejection)])
        except Exception as exc:
            # Refusing is still right; failing to record it is worth an operator's look.
            log.error("could not record a %s rejection: %s", rejection.reason, exc)
        log.warning(
            "refused notification %s: %s %s",
            rejection.message_id or "(no message id)",
            rejection.status,
            rejection.reason,
        )
        return Answer(rejection.status, rejection.answer())

    async def _accept(
        self,
        message: ReceivedMessage,
        notification: InboundMessage,
        verified: jws.VerifiedSignature,
    ) -> Answer:
        stream = inbound_stream(notification.registration_id)
        try:
            result = await self._store.append(
                stream, [received_event(message, notification, verified)]
            )
            tracked = await self._ledger.register(
                NewDelivery(
                    message_id=notification.message_id,
                    registration_id=notification.registration_id,
                    stream_id=stream,
                    stream_version=result.first_version,
                    position=result.positions[0],
                    received_at=message.received_at,
                )
            )
        except Exception as exc:
            # The one point where storage failures of any kind become ours.
            log.exception("notification %s not stored", notification.message_id)
            raise NotRecorded(f"notification {notification.message_id} not stored: {exc}") from exc
        outcome = "DUPLICATE" if result.duplicate else "ACCEPTED"
        tracing.annotate(
            {
                "css.message_id": notification.message_id,
                "css.event_type": notification.event_type.value,
                "css.registration_id": notification.registration_id,
                "receiver.outcome": outcome,
            }
        )
        if tracked:
            self._on_accepted()
        log.info(
            "notification %s (%s, registration %s) %s",
            notification.message_id,
            notification.event_type.value,
            notification.registration_id,
            outcome.lower(),
        )
        return Answer(202, {"status": outcome, "messageId": notification.message_id})
