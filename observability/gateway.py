"""The gateway's metrics: calls to CSS and the enquiry services, what the receiver answered,
the delivery backlog, the codec server's requests, and how long each credential has left.
Recorded through the process's meter; label values are routes, codes and outcomes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from observability import names
from observability.instruments import add, record, set_gauge


@contextmanager
def _timed(requests: names.Metric, seconds: names.Metric, **labels: str) -> Iterator[None]:
    """Count one call by outcome (`ok`, or the class of the error it raised) and time it."""
    started = time.perf_counter()
    outcome = "ok"
    try:
        yield
    except Exception as error:
        outcome = type(error).__name__
        raise
    finally:
        record(seconds, labels, time.perf_counter() - started)
        add(requests, {**labels, "outcome": outcome})


def css_call(endpoint: str) -> AbstractContextManager[None]:
    """Around one request to CSS; `endpoint` is its route, e.g. `POST /v1/registrations`."""
    return _timed(names.CSS_REQUESTS, names.CSS_REQUEST_SECONDS, endpoint=endpoint)


def enquiry_call(service: str, operation: str) -> AbstractContextManager[None]:
    """Around one request to an enquiry service (`electricity` or `gas`)."""
    return _timed(
        names.ENQUIRY_REQUESTS,
        names.ENQUIRY_REQUEST_SECONDS,
        service=service,
        operation=operation,
    )


def enquiry_rate_limited(service: str, wait_seconds: float) -> None:
    record(names.ENQUIRY_RATE_LIMIT_WAIT, {"service": service}, wait_seconds)


def notification_answered(status: int, reason: str) -> None:
    """What the receiver answered a push: `reason` is ACCEPTED, DUPLICATE or the refusal's."""
    if status == 202:
        add(names.RECEIVER_NOTIFICATIONS, {"answer": reason.lower()})
        return
    add(names.RECEIVER_NOTIFICATIONS, {"answer": "refused"})
    add(names.RECEIVER_REFUSALS, {"status": str(status), "reason": reason})


def delivery_attempted(outcome: str) -> None:
    """`outcome`: delivered, moot (the workflow has ended), unrouted, failed."""
    add(names.DELIVERIES, {"outcome": outcome})


def delivery_backlog(count: int, oldest_age_seconds: float) -> None:
    set_gauge(names.DELIVERY_BACKLOG, {}, count)
    set_gauge(names.DELIVERY_OLDEST_AGE, {}, oldest_age_seconds)


def codec_request(route: str, status: int) -> None:
    add(names.CODEC_REQUESTS, {"route": route, "status": str(status)})


def credential_expiry(name: str, kind: str, seconds_left: float) -> None:
    set_gauge(names.CREDENTIAL_EXPIRY, {"credential": name, "kind": kind}, seconds_left)
