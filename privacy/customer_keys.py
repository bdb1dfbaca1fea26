"""Where customers' data keys are kept: one row per customer reference.

A row holds the customer's data key wrapped by a master key (never the key in clear).
Forgetting the customer overwrites the wrapped key with NULL and stamps `erased_at`: the
row stays as a tombstone, so a sealed value of a forgotten customer opens to "erased"
rather than to "unknown key", and nothing can be sealed for that reference again.

Two implementations meet one contract (the same test suite runs on both): PostgreSQL for
the engine, memory for tests of what uses the vault.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Final, Protocol

import asyncpg

if TYPE_CHECKING:
    from eventstore.driver import Connection


@dataclass(frozen=True)
class CustomerKey:
    customer_ref: str
    key_id: str
    #: The data key wrapped by `master_key_id`; None once the customer is forgotten.
    wrapped: bytes | None
    master_key_id: str | None
    created_at: datetime
    erased_at: datetime | None = None

    def __repr__(self) -> str:
        state = "erased" if self.erased_at else "live"
        return f"CustomerKey({self.customer_ref!r}, {self.key_id!r}, {state})"


class CustomerKeys(Protocol):
    async def find(self, customer_ref: str) -> CustomerKey | None:
        """The customer's key row (live or a tombstone), or None if never stored."""
        ...

    async def add(self, key: CustomerKey) -> CustomerKey:
        """Store `key` unless the customer has a row already; returns the row that is kept
        (so two concurrent first seals of one customer agree on one key)."""
        ...

    async def erase(self, customer_ref: str, tombstone: CustomerKey) -> CustomerKey:
        """Destroy the customer's wrapped key; with no row yet, store `tombstone` (already
        erased). Returns the row as it is now; erasing twice changes nothing."""
        ...


class MemoryCustomerKeys:
    def __init__(self) -> None:
        self.rows: dict[str, CustomerKey] = {}

    async def find(self, customer_ref: str) -> CustomerKey | None:
        return self.rows.get(customer_ref)

    async def add(self, key: CustomerKey) -> CustomerKey:
        return self.rows.setdefault(key.customer_ref, key)

    async def erase(self, customer_ref: str, tombstone: CustomerKey) -> CustomerKey:
        row = self.rows.get(customer_ref)
        if row is None:
            row = tombstone
        elif row.erased_at is None:
            row = replace(row, wrapped=None, master_key_id=None, erased_at=tombstone.erased_at)
        self.rows[customer_ref] = row
        return row


_COLUMNS: Final = "customer_ref, key_id, wrapped_key, master_key_id, created_at, erased_at"
_FIND: Final = f"SELECT {_COLUMNS} FROM customer_keys WHERE customer_ref = $1"
_ADD: Final = (
    f"INSERT INTO customer_keys ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) "
    "ON CONFLICT (customer_ref) DO NOTHING"
)
_ERASE: Final = (
    "UPDATE customer_keys SET wrapped_key = NULL, master_key_id = NULL, erased_at = $2 "
    "WHERE customer_ref = $1 AND erased_at IS NULL"
)


class PostgresCustomerKeys:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def find(self, customer_ref: str) -> CustomerKey | None:
        row = await self._pool.fetchrow(_FIND, customer_ref)
        return None if row is None else _key_of(row)

    async def add(self, key: CustomerKey) -> CustomerKey:
        async with self._pool.acquire() as connection, connection.transaction():
            await connection.execute(_ADD, *_values(key))
            return await _written(connection, key.customer_ref)

    async def erase(self, customer_ref: str, tombstone: CustomerKey) -> CustomerKey:
        async with self._pool.acquire() as connection, connection.transaction():
            await connection.execute(_ADD, *_values(tombstone))
            await connection.execute(_ERASE, customer_ref, tombstone.erased_at)
            return await _written(connection, customer_ref)


async def _written(connection: Connection, customer_ref: str) -> CustomerKey:
    row = await connection.fetchrow(_FIND, customer_ref)
    assert row is not None, "the row was written in this transaction"
    return _key_of(row)


def _values(key: CustomerKey) -> tuple[object, ...]:
    return (
        key.customer_ref,
        key.key_id,
        key.wrapped,
        key.master_key_id,
        key.created_at,
        key.erased_at,
    )


def _key_of(row: asyncpg.Record) -> CustomerKey:
    return CustomerKey(
        customer_ref=row["customer_ref"],
        key_id=row["key_id"],
        wrapped=None if row["wrapped_key"] is None else bytes(row["wrapped_key"]),
        master_key_id=row["master_key_id"],
        created_at=row["created_at"],
        erased_at=row["erased_at"],
    )
