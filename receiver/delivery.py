"""The delivery loop: tell every stored notification to its workflow until one attempt lands.

It runs in the receiver process. The request handler wakes it after each new notification,
so delivery normally follows the 202 at once; failures are retried with exponential backoff,
and on start-up the first round picks up whatever an earlier process stored but never
delivered. The signal is rebuilt from the stored raw body, so the workflow is told exactly
what was recorded; the notification's category picks its route (`receiver.routes`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from css.errors import CssError
from css.inbound import InboundMessage, category_of, parse_inbound
from eventstore.interface import EventStore
from observability import gateway, tracing
from receiver.ledger import AttemptOutcome, Delivery, DeliveryLedger, DeliveryStatus
from receiver.records import RECEIVED_TYPE, stored_body
from receiver.routes import Routes
from receiver.sink import SignalFailed, WorkflowClosed

log = logging.getLogger("switching.receiver.delivery")


class StoredNotificationMissing(Exception):
    """A tracked delivery points at an event the store does not hold as expected."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RetryPolicy:
    initial: timedelta = timedelta(seconds=1)
    maximum: timedelta = timedelta(seconds=60)
    #: How long a claimed row stays hidden from other claims while it is being delivered.
    lease: timedelta = timedelta(seconds=30)
    batch: int = 100
    #: The longest the loop sleeps when not woken (retries fall due without a wake-up).
    poll_interval: timedelta = timedelta(seconds=1)
    #: How often the backlog gauges are measured (a count over the open rows).
    backlog_interval: timedelta = timedelta(seconds=5)

    def delay(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed attempt."""
        delay: timedelta = self.initial * 2 ** min(max(attempts - 1, 0), 30)
        return min(delay, self.maximum)


@dataclass
class RoundResult:
    counts: dict[DeliveryStatus, int] = field(default_factory=dict)

    @property
    def claimed(self) -> int:
        return sum(self.counts.values())

    def add(self, status: DeliveryStatus) -> None:
        self.counts[status] = self.counts.get(status, 0) + 1


class DeliveryLoop:
    def __init__(
        self,
        *,
        store: EventStore,
        ledger: DeliveryLedger,
        routes: Routes,
        policy: RetryPolicy | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._store = store
        self._ledger = ledger
        self._routes = routes
        self._policy = policy or RetryPolicy()
        self._clock = clock
        self._woken = asyncio.Event()
        self._backlog_measured: datetime | None = None

    def wake(self) -> None:
        """Ask for a round now (a new notification was stored)."""
        self._woken.set()

    async def run(self) -> None:
        """Deliver rounds until cancelled; the first round runs at once (restart recovery)."""
        while True:
            self._woken.clear()
            try:
                result = await self.deliver_due()
            except Exception:
                # The ledger itself is unreachable: nothing is lost (rows stay open), so
                # the loop waits and tries again rather than dying.
                log.exception("delivery round failed; retrying after the poll interval")
                result = RoundResult()
            await self._measure_backlog()
            if result.claimed >= self._policy.batch:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._woken.wait(), self._policy.poll_interval.total_seconds()
                )

    async def deliver_due(self) -> RoundResult:
        """One round: claim the due rows and attempt each once."""
        result = RoundResult()
        due = await self._ledger.claim_due(self._clock(), self._policy.lease, self._policy.batch)
        for row in due:
            outcome = await self._attempt(row)
            await self._ledger.record(row.position, outcome)
            result.add(outcome.status)
            gateway.delivery_attempted(outcome.status.value.lower())
        return result

    async def _measure_backlog(self) -> None:
        now = self._clock()
        measured = self._backlog_measured
        if measured is not None and now - measured < self._policy.backlog_interval:
            return
        self._backlog_measured = now
        try:
            backlog = await self._ledger.backlog()
        except Exception as error:
            log.warning("delivery backlog not measured: %s", error)
            return
        oldest = backlog.oldest_received_at
        age = 0.0 if oldest is None else max(0.0, (now - oldest).total_seconds())
        gateway.delivery_backlog(backlog.count, age)

    async def _attempt(self, row: Delivery) -> AttemptOutcome:
        retry_at = self._clock() + self._policy.delay(row.attempts + 1)
        target = row.switch_id
        try:
            message, pushed = await self._stored_message(row)
            route = self._routes[category_of(message)]
            target = await route.target(row, message)
            if target is None:
                error = f"no switch is known for registration {row.registration_id} yet"
                log.info("notification %s unrouted: %s", row.message_id, error)
                return AttemptOutcome(DeliveryStatus.UNROUTED, None, self._clock(), error, retry_at)
            attributes = {
                "css.message_id": row.message_id,
                "css.registration_id": row.registration_id,
                route.trace_key: target,
            }
            # Continues the push's trace: receive, then deliver, then the workflow's signal.
            with tracing.span("deliver CSS notification", attributes, parent=pushed):
                await route.deliver(target, message)
        except WorkflowClosed as closed:
            log.info("notification %s moot: %s", row.message_id, closed)
            return AttemptOutcome(DeliveryStatus.MOOT, target, self._clock(), str(closed))
        except (SignalFailed, StoredNotificationMissing, CssError, OSError) as failed:
            return self._failed(row, failed, retry_at)
        except Exception as failed:
            # A store or directory failure of any kind: the row stays open and is retried.
            log.exception("notification %s: unexpected delivery failure", row.message_id)
            return self._failed(row, failed, retry_at)
        log.info("notification %s delivered to workflow %s", row.message_id, target)
        return AttemptOutcome(DeliveryStatus.DELIVERED, target, self._clock())

    def _failed(self, row: Delivery, error: Exception, retry_at: datetime) -> AttemptOutcome:
        text = f"{type(error).__name__}: {error}"
        log.warning(
            "notification %s not delivered (%s); retry at %s", row.message_id, text, retry_at
        )
        return AttemptOutcome(DeliveryStatus.PENDING, row.switch_id, self._clock(), text, retry_at)

    async def _stored_message(self, row: Delivery) -> tuple[InboundMessage, dict[str, str]]:
        """The stored message, and the trace context the push was stored with."""
        events = await self._store.read_stream(row.stream_id, after_version=row.stream_version - 1)
        if (
            not events
            or events[0].type != RECEIVED_TYPE
            or (events[0].idempotency_key != row.message_id)
        ):
            raise StoredNotificationMissing(
                f"{row.stream_id} v{row.stream_version} is not notification {row.message_id}"
            )
        stored = events[0]
        pushed = {k: v for k, v in stored.metadata.items() if k == tracing.TRACEPARENT}
        return parse_inbound(stored_body(stored)), pushed
