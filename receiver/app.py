"""The receiver's HTTP surface: `POST /v1/notifications` as a Starlette app.

Only transport-level checks happen here (size, media type); judging the message is the
intake's job. The body is read against the limit as it streams in, so an oversized
request is refused without being buffered, whatever its Content-Length claims.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Final

from opentelemetry.trace import SpanKind
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from css.jws import SIGNATURE_HEADER
from css.wire import NOTIFICATIONS_PATH
from observability import gateway, tracing
from receiver.intake import NotificationIntake, NotRecorded
from receiver.records import ReceivedMessage, Rejection

HEALTH_PATH: Final = "/health"
DEFAULT_MAX_BODY: Final = 64 * 1024
_RETRY_AFTER_SECONDS = "5"


def _utc_now() -> datetime:
    return datetime.now(UTC)


async def _read_limited(request: Request, limit: int) -> tuple[bytes, bool]:
    """The body, or its first `limit` bytes and True when it is longer than that."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return b"", True
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return b"".join(chunks)[:limit], True
    return b"".join(chunks), False


def _is_json(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() == "application/json"


def client_subject(scope: Mapping[str, Any]) -> str | None:
    """The client certificate's subject, as the server put it in the ASGI TLS extension."""
    tls = scope.get("extensions", {}).get("tls") or {}
    name = tls.get("client_cert_name")
    return name if isinstance(name, str) else None


def create_app(
    intake: NotificationIntake,
    *,
    max_body: int = DEFAULT_MAX_BODY,
    clock: Callable[[], datetime] = _utc_now,
) -> Starlette:
    async def notifications(request: Request) -> Response:
        # Continues CSS's trace when its push carries one.
        with tracing.span(
            "receive CSS notification",
            {"http.request.method": "POST", "http.route": NOTIFICATIONS_PATH},
            kind=SpanKind.SERVER,
            parent={k: v for k, v in request.headers.items() if k == tracing.TRACEPARENT},
        ) as current:
            response = await judge(request)
            current.set_attribute("http.response.status_code", response.status_code)
            return response

    async def judge(request: Request) -> Response:
        received_at = clock()
        body, truncated = await _read_limited(request, max_body)
        message = ReceivedMessage(
            body=body,
            signature=request.headers.get(SIGNATURE_HEADER),
            headers=dict(request.headers),
            client_subject=client_subject(request.scope),
            received_at=received_at,
            truncated=truncated,
        )
        content_type = request.headers.get("content-type")
        if truncated:
            detail = f"notification body exceeds the limit of {max_body} bytes"
            answer = await intake.refuse(message, Rejection(413, "BODY_TOO_LARGE", detail))
        elif not _is_json(content_type):
            detail = f"notification must be application/json, got {content_type or 'nothing'}"
            answer = await intake.refuse(message, Rejection(415, "UNSUPPORTED_MEDIA_TYPE", detail))
        else:
            try:
                answer = await intake.receive(message)
            except NotRecorded as failed:
                gateway.notification_answered(503, "NOT_RECORDED")
                return JSONResponse(
                    {"status": "UNAVAILABLE", "reason": "NOT_RECORDED", "detail": str(failed)},
                    503,
                    headers={"Retry-After": _RETRY_AFTER_SECONDS},
                )
        reply = dict(answer.body)
        gateway.notification_answered(answer.status, str(reply.get("reason") or reply["status"]))
        return JSONResponse(reply, answer.status)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route(NOTIFICATIONS_PATH, notifications, methods=["POST"]),
            Route(HEALTH_PATH, health, methods=["GET"]),
        ]
    )
