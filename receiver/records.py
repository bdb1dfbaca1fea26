"""What the receiver stores: the raw notification as received, or why it was refused.

An accepted notification is appended to `css-inbound-<registrationId>` with the CSS message
id as idempotency key, so a resent one lands on the same key and changes nothing. The body
is kept as base64 of the exact bytes received, since the signature covers those bytes and
not any re-encoding of the JSON; the parsed fields beside it are for people and queries.

A refused request goes to `css-inbound-rejected` keyed by a digest of what was refused, so
the same bad bytes sent again are recorded once.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from css.inbound import InboundMessage
from css.jws import VerifiedSignature
from eventstore.model import NewEvent, RecordedEvent
from observability import tracing

STREAM_PREFIX: Final = "css-inbound-"
REJECTED_STREAM: Final = "css-inbound-rejected"
RECEIVED_TYPE: Final = "CssNotificationReceived"
REJECTED_TYPE: Final = "CssNotificationRejected"

#: Headers worth keeping for an audit; anything else (cookies, proxies' additions) is not.
KEPT_HEADERS: Final = (
    "content-type",
    "content-length",
    "user-agent",
    "date",
    "x-request-id",
    "x-correlation-id",
)
_MAX_HEADER_CHARS = 512
_MAX_KEPT_SIGNATURE_CHARS = 8192
# Stream ids are printable ASCII; a registration id is also a routing key, so it is held
# to a conservative alphabet rather than escaped.
_REGISTRATION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


@dataclass(frozen=True)
class ReceivedMessage:
    """One request as it reached the receiver, before any judgement."""

    body: bytes
    signature: str | None
    headers: Mapping[str, str]
    client_subject: str | None
    received_at: datetime
    #: Set when the body was cut at the size limit: `body` then holds only what was read.
    truncated: bool = False


@dataclass(frozen=True)
class Rejection:
    """Why a request was refused: the HTTP status, a stable reason code and the detail."""

    status: int
    reason: str
    detail: str
    field: str | None = None
    message_id: str | None = None

    def answer(self) -> dict[str, Any]:
        return {"status": "REJECTED", "reason": self.reason, "detail": self.detail} | (
            {"field": self.field} if self.field else {}
        )


def registration_id_fault(registration_id: str) -> str | None:
    """Why a registration id cannot name a stream, or None when it can."""
    if _REGISTRATION_ID.fullmatch(registration_id):
        return None
    return (
        "notification: field 'registrationId' must be 1-128 characters of letters, digits, "
        f"'.', '_', ':' or '-', got {registration_id[:64]!r}"
    )


def inbound_stream(registration_id: str) -> str:
    return f"{STREAM_PREFIX}{registration_id}"


def kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    lowered = {name.lower(): value for name, value in headers.items()}
    return {name: lowered[name][:_MAX_HEADER_CHARS] for name in KEPT_HEADERS if name in lowered}


def _digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _raw(message: ReceivedMessage) -> dict[str, Any]:
    signature = message.signature
    return {
        "body_base64": base64.b64encode(message.body).decode("ascii"),
        "body_sha256": _digest(message.body),
        "body_size": len(message.body),
        "signature": None if signature is None else signature[:_MAX_KEPT_SIGNATURE_CHARS],
        "headers": kept_headers(message.headers),
        "client_subject": message.client_subject,
        "received_at": message.received_at.isoformat(),
    }


def received_event(
    message: ReceivedMessage, notification: InboundMessage, verified: VerifiedSignature
) -> NewEvent:
    data = _raw(message) | {
        "message_id": notification.message_id,
        "event_type": notification.event_type.value,
        "registration_id": notification.registration_id,
        "occurred_at": notification.occurred_at.isoformat(),
        "kid": verified.kid,
        "alg": verified.alg.value,
    }
    return NewEvent(
        type=RECEIVED_TYPE,
        data=data,
        idempotency_key=notification.message_id,
        # The trace of the push, which its delivery continues (see `observability.tracing`).
        metadata={"css_message_id": notification.message_id, "source": "css"} | tracing.carrier(),
    )


def rejected_event(message: ReceivedMessage, rejection: Rejection) -> NewEvent:
    data = _raw(message) | {
        "status": rejection.status,
        "reason": rejection.reason,
        "detail": rejection.detail,
        "field": rejection.field,
        "message_id": rejection.message_id,
        "truncated": message.truncated,
    }
    signature = message.signature or ""
    key = _digest(
        b"\0".join([rejection.reason.encode(), message.body, signature.encode("utf-8", "replace")])
    )
    metadata: dict[str, Any] = {"source": "css"}
    if rejection.message_id is not None:
        metadata["css_message_id"] = rejection.message_id
    return NewEvent(type=REJECTED_TYPE, data=data, idempotency_key=key, metadata=metadata)


def stored_body(event: RecordedEvent) -> bytes:
    """The exact bytes a stored notification arrived with."""
    return base64.b64decode(event.data["body_base64"], validate=True)
