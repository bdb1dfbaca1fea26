"""Every metric the engine records: its name, what it counts, its unit and its labels.

Names follow Prometheus conventions: a `switching_` prefix, `_seconds` and `_pence` units
in the name, and counters shown with `_total` appended by the exporter. Label values are
codes and identifiers of kinds (fuel, outcome, endpoint, reason code), never a customer's
data or a switch id: a label per switch would also make a series per switch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["counter", "histogram", "gauge"]


@dataclass(frozen=True)
class Metric:
    name: str
    kind: Kind
    help: str
    unit: str = ""


def _counter(name: str, help_text: str, unit: str = "") -> Metric:
    return Metric(f"switching_{name}", "counter", help_text, unit)


def _histogram(name: str, help_text: str) -> Metric:
    return Metric(f"switching_{name}", "histogram", help_text, "s")


def _gauge(name: str, help_text: str, unit: str = "") -> Metric:
    return Metric(f"switching_{name}", "gauge", help_text, unit)


# --- business: recorded by workflows (replay-safe) and activities -------------------------

SWITCHES_STARTED = _counter("switches_started", "Switches requested, by fuel and sector.")
SWITCHES_ENDED = _counter("switches_ended", "Switches ended, by fuel and terminal status.")
DEADLINE_FLAGS = _counter("deadline_flags", "Deadline flags raised or cleared, by fuel and flag.")
COMPENSATION_OWED = _counter(
    "compensation_owed", "Guaranteed Standard payments owed by switches, by fuel."
)
COMPENSATION_OWED_PENCE = _counter(
    "compensation_owed_pence", "Pence owed to customers by late switches, by fuel.", "pence"
)
COMPENSATION_CANCELLED_PENCE = _counter(
    "compensation_cancelled_pence",
    "Pence no longer owed: cleared by a late SECURED on time, or waived, by fuel and why.",
    "pence",
)
ORDERS_STARTED = _counter("orders_started", "Orders placed, by fuels ordered.")
ORDERS_ENDED = _counter("orders_ended", "Orders ended, by outcome.")
LOSSES_STARTED = _counter("losses_started", "Losses notified by CSS, by fuel.")
LOSSES_ENDED = _counter("losses_ended", "Losses ended, by fuel and outcome.")
OBJECTION_DECISIONS = _counter(
    "objection_decisions", "Decisions on losses, by decision and reason code."
)
ADDRESS_MATCHES = _counter("address_matches", "Address lookups, by fuel and outcome.")
DEACTIVATIONS_STARTED = _counter("deactivations_started", "Deactivations requested, by fuel.")
DEACTIVATIONS_ENDED = _counter("deactivations_ended", "Deactivations ended, by outcome.")

# --- gateway: the wire around the engine ---------------------------------------------------

CSS_REQUESTS = _counter("css_requests", "Requests to CSS, by endpoint and outcome (error class).")
CSS_REQUEST_SECONDS = _histogram("css_request_seconds", "Time CSS took to answer, by endpoint.")
RECEIVER_NOTIFICATIONS = _counter(
    "receiver_notifications", "Notifications CSS pushed, by answer (accepted, duplicate, refused)."
)
RECEIVER_REFUSALS = _counter(
    "receiver_refusals", "Notifications refused, by HTTP status and reason code."
)
DELIVERY_BACKLOG = _gauge("delivery_backlog", "Notifications stored but not yet delivered.")
DELIVERY_OLDEST_AGE = _gauge(
    "delivery_oldest_age_seconds",
    "Age of the oldest notification not yet delivered (0 when none).",
    "s",
)
DELIVERIES = _counter("deliveries", "Delivery attempts to workflows, by outcome.")
ENQUIRY_REQUESTS = _counter(
    "enquiry_requests", "Requests to the enquiry services, by service, operation and outcome."
)
ENQUIRY_REQUEST_SECONDS = _histogram(
    "enquiry_request_seconds", "Time an enquiry service took to answer, by service."
)
ENQUIRY_RATE_LIMIT_WAIT = _histogram(
    "enquiry_rate_limit_wait_seconds",
    "Waits an enquiry service asked for when it rate-limited us (Retry-After), by service.",
)
CODEC_REQUESTS = _counter("codec_requests", "Codec server requests, by route and answer.")

# --- credentials ---------------------------------------------------------------------------

CREDENTIAL_EXPIRY = _gauge(
    "credential_expiry_seconds",
    "Seconds until a TLS certificate or JWS key expires, by file and kind.",
    "s",
)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
WAIT_BUCKETS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0)

#: The bucket bounds of every histogram of ours (the SDK's keep their own).
HISTOGRAM_BUCKETS: dict[str, tuple[float, ...]] = {
    CSS_REQUEST_SECONDS.name: LATENCY_BUCKETS,
    ENQUIRY_REQUEST_SECONDS.name: LATENCY_BUCKETS,
    ENQUIRY_RATE_LIMIT_WAIT.name: WAIT_BUCKETS,
}
