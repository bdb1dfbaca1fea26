"""The delivery ledger on PostgreSQL (asyncpg).

It shares the event store's database and owns `inbound_deliveries` (created by the
`inbound deliveries` migration). asyncpg and socket errors become `InboundStoreError`
subclasses here, and nowhere else.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from receiver.ledger import (
    OPEN_STATUSES,
    AttemptOutcome,
    Backlog,
    Delivery,
    DeliveryStatus,
    NewDelivery,
)

_OPEN = sorted(status.value for status in OPEN_STATUSES)
_COLUMNS = (
    "position, message_id, registration_id, stream_id, stream_version, received_at, "
    "status, switch_id, attempts, last_error, next_attempt_at, delivered_at"
)


class InboundStoreError(Exception):
    retryable: bool = False


class InboundStoreUnavailable(InboundStoreError):
    """The database could not be reached or gave up; the same call may succeed later."""

    retryable = True


class InboundStoreNotMigrated(InboundStoreError):
    """The receiver's table is missing: run `switching db upgrade`."""


@asynccontextmanager
async def _translated(what: str) -> AsyncIterator[None]:
    try:
        yield
    except asyncpg.UndefinedTableError as exc:
        raise InboundStoreNotMigrated(f"{what}: {exc}; run `switching db upgrade`") from exc
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as exc:
        raise InboundStoreUnavailable(f"{what}: {type(exc).__name__}: {exc}") from exc


def _delivery(row: asyncpg.Record) -> Delivery:
    return Delivery(
        message_id=row["message_id"],
        registration_id=row["registration_id"],
        stream_id=row["stream_id"],
        stream_version=row["stream_version"],
        position=row["position"],
        received_at=row["received_at"],
        status=DeliveryStatus(row["status"]),
        switch_id=row["switch_id"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        next_attempt_at=row["next_attempt_at"],
        delivered_at=row["delivered_at"],
    )


class PostgresDeliveryLedger:
    def __init__(self, pool: asyncpg.Pool[Any]) -> None:
        self._pool = pool

    async def register(self, delivery: NewDelivery) -> bool:
        async with _translated("registering a delivery"):
            inserted = await self._pool.fetchval(
                "INSERT INTO inbound_deliveries (position, message_id, registration_id,"
                " stream_id, stream_version, received_at, status, attempts, next_attempt_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $6)"
                " ON CONFLICT (position) DO NOTHING RETURNING position",
                delivery.position,
                delivery.message_id,
                delivery.registration_id,
                delivery.stream_id,
                delivery.stream_version,
                delivery.received_at,
                DeliveryStatus.PENDING.value,
            )
        return inserted is not None

    async def claim_due(self, now: datetime, lease: timedelta, limit: int) -> list[Delivery]:
        # SKIP LOCKED lets concurrent receivers share the work without waiting on each
        # other; the pushed-forward next_attempt_at is the lease.
        async with _translated("claiming due deliveries"):
            rows = await self._pool.fetch(
                "UPDATE inbound_deliveries AS d SET next_attempt_at = $2"
                " FROM (SELECT position FROM inbound_deliveries"
                "       WHERE status = ANY($4::text[]) AND next_attempt_at <= $1"
                "       ORDER BY position LIMIT $3 FOR UPDATE SKIP LOCKED) AS due"
                f" WHERE d.position = due.position RETURNING {_prefixed('d')}",
                now,
                now + lease,
                limit,
                _OPEN,
            )
        return sorted((_delivery(row) for row in rows), key=lambda row: row.position)

    async def record(self, position: int, outcome: AttemptOutcome) -> None:
        done = outcome.status not in OPEN_STATUSES
        async with _translated("recording a delivery attempt"):
            await self._pool.execute(
                "UPDATE inbound_deliveries SET status = $2,"
                " switch_id = COALESCE($3, switch_id), attempts = attempts + 1,"
                " last_error = $4, next_attempt_at = $5, delivered_at = $6"
                " WHERE position = $1",
                position,
                outcome.status.value,
                outcome.switch_id,
                outcome.error,
                outcome.next_attempt_at or outcome.at,
                outcome.at if done else None,
            )

    async def get(self, message_id: str) -> Delivery | None:
        async with _translated("reading a delivery"):
            row = await self._pool.fetchrow(
                f"SELECT {_COLUMNS} FROM inbound_deliveries WHERE message_id = $1"
                " ORDER BY position LIMIT 1",
                message_id,
            )
        return None if row is None else _delivery(row)

    async def list(self, statuses: Sequence[DeliveryStatus] = ()) -> list[Delivery]:
        wanted = [status.value for status in statuses] or [s.value for s in DeliveryStatus]
        async with _translated("listing deliveries"):
            rows = await self._pool.fetch(
                f"SELECT {_COLUMNS} FROM inbound_deliveries WHERE status = ANY($1::text[])"
                " ORDER BY position",
                wanted,
            )
        return [_delivery(row) for row in rows]

    async def backlog(self) -> Backlog:
        # The partial index of due rows covers exactly the open ones.
        async with _translated("measuring the delivery backlog"):
            row = await self._pool.fetchrow(
                "SELECT count(*) AS open, min(received_at) AS oldest FROM inbound_deliveries"
                " WHERE status = ANY($1::text[])",
                _OPEN,
            )
        assert row is not None
        return Backlog(row["open"], row["oldest"])


def _prefixed(alias: str) -> str:
    return ", ".join(f"{alias}.{column.strip()}" for column in _COLUMNS.split(","))
