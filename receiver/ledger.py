"""Delivery tracking: which stored notifications the switch workflows have been told about.

The event store holds the facts and is append-only; whether a signal got through is mutable
state, so it lives in a small table (`inbound_deliveries`, one row per stored notification,
keyed by its global position) written after the raw notification is stored and before the
202. Keying by the stored event rather than the message id means that a message id CSS
wrongly reuses for another registration is still delivered, not shadowed by the first.

A row is due while its status is PENDING or UNROUTED and its `next_attempt_at` has passed;
claiming it pushes `next_attempt_at` forward by a lease, so two receivers never signal the
same row at once, and a receiver that dies mid-delivery leaves a row that falls due again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol


class DeliveryStatus(StrEnum):
    #: Stored, not yet signalled (or the last attempt failed and will be retried).
    PENDING = "PENDING"
    #: Stored, but no switch is known for its registration yet; retried, never dropped.
    UNROUTED = "UNROUTED"
    #: The workflow accepted the signal.
    DELIVERED = "DELIVERED"
    #: The workflow had already finished; the notification stays stored, nothing to tell.
    MOOT = "MOOT"


OPEN_STATUSES = frozenset({DeliveryStatus.PENDING, DeliveryStatus.UNROUTED})


@dataclass(frozen=True)
class NewDelivery:
    """A stored notification to be signalled: where it is and whom it is about."""

    message_id: str
    registration_id: str
    stream_id: str
    stream_version: int
    position: int
    received_at: datetime


@dataclass(frozen=True)
class Delivery:
    message_id: str
    registration_id: str
    stream_id: str
    stream_version: int
    position: int
    received_at: datetime
    status: DeliveryStatus
    switch_id: str | None
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True)
class AttemptOutcome:
    """What one attempt achieved; `next_attempt_at` matters only for open statuses."""

    status: DeliveryStatus
    switch_id: str | None
    at: datetime
    error: str | None = None
    next_attempt_at: datetime | None = None


@dataclass(frozen=True)
class Backlog:
    """The open rows: how many, and when the oldest of them arrived."""

    count: int
    oldest_received_at: datetime | None


class DeliveryLedger(Protocol):
    async def register(self, delivery: NewDelivery) -> bool:
        """Track a stored notification (due at once); False when already tracked."""
        ...

    async def claim_due(self, now: datetime, lease: timedelta, limit: int) -> list[Delivery]:
        """Open rows due at `now`, oldest first, each hidden from other claims for `lease`."""
        ...

    async def record(self, position: int, outcome: AttemptOutcome) -> None:
        """Write an attempt's outcome (counts the attempt)."""
        ...

    async def get(self, message_id: str) -> Delivery | None:
        """The (first) row of a message id."""
        ...

    async def list(self, statuses: Sequence[DeliveryStatus] = ()) -> list[Delivery]:
        """Rows in arrival order, all or only those with the given statuses."""
        ...

    async def backlog(self) -> Backlog:
        """What is stored but not yet delivered (nor moot)."""
        ...


class InMemoryDeliveryLedger:
    """The ledger in a dict, for unit tests; same rules as the PostgreSQL one."""

    def __init__(self) -> None:
        self._rows: dict[int, Delivery] = {}

    async def register(self, delivery: NewDelivery) -> bool:
        if delivery.position in self._rows:
            return False
        self._rows[delivery.position] = Delivery(
            message_id=delivery.message_id,
            registration_id=delivery.registration_id,
            stream_id=delivery.stream_id,
            stream_version=delivery.stream_version,
            position=delivery.position,
            received_at=delivery.received_at,
            status=DeliveryStatus.PENDING,
            switch_id=None,
            attempts=0,
            last_error=None,
            next_attempt_at=delivery.received_at,
            delivered_at=None,
        )
        return True

    async def claim_due(self, now: datetime, lease: timedelta, limit: int) -> list[Delivery]:
        due = sorted(
            (
                r
                for r in self._rows.values()
                if r.status in OPEN_STATUSES and r.next_attempt_at <= now
            ),
            key=lambda row: row.position,
        )[:limit]
        for row in due:
            self._rows[row.position] = replace(row, next_attempt_at=now + lease)
        return due

    async def record(self, position: int, outcome: AttemptOutcome) -> None:
        row = self._rows[position]
        done = outcome.status not in OPEN_STATUSES
        self._rows[position] = replace(
            row,
            status=outcome.status,
            switch_id=outcome.switch_id or row.switch_id,
            attempts=row.attempts + 1,
            last_error=outcome.error,
            next_attempt_at=outcome.next_attempt_at or outcome.at,
            delivered_at=outcome.at if done else None,
        )

    async def get(self, message_id: str) -> Delivery | None:
        rows = [row for row in await self.list() if row.message_id == message_id]
        return rows[0] if rows else None

    async def list(self, statuses: Sequence[DeliveryStatus] = ()) -> list[Delivery]:
        rows = sorted(self._rows.values(), key=lambda row: row.position)
        return [row for row in rows if not statuses or row.status in statuses]

    async def backlog(self) -> Backlog:
        open_rows = await self.list(sorted(OPEN_STATUSES))
        oldest = min((row.received_at for row in open_rows), default=None)
        return Backlog(len(open_rows), oldest)
