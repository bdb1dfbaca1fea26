"""One contract for every customer key store: the memory one and PostgreSQL's, the latter
as the application role the engine runs as."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from eventstore import roles
from privacy.customer_keys import (
    CustomerKey,
    CustomerKeys,
    MemoryCustomerKeys,
    PostgresCustomerKeys,
)
from tests.conftest import as_role

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def _live(ref: str, key_id: str) -> CustomerKey:
    return CustomerKey(ref, key_id, b"\x01" * 60, "mk-1", T0)


def _tombstone(ref: str, key_id: str, at: datetime) -> CustomerKey:
    return CustomerKey(ref, key_id, None, None, at, at)


@pytest.fixture(params=["memory", "postgres"])
async def keys(
    request: pytest.FixtureRequest, fresh_database_url: str
) -> AsyncIterator[CustomerKeys]:
    if request.param == "memory":
        yield MemoryCustomerKeys()
        return
    app_url = as_role(fresh_database_url, roles.APP)
    pool = await asyncpg.create_pool(app_url, min_size=1, max_size=4)
    yield PostgresCustomerKeys(pool)
    await pool.close()


async def test_the_first_key_stored_for_a_customer_is_the_one_kept(keys: CustomerKeys) -> None:
    assert await keys.find("C-1") is None
    first, second = await asyncio.gather(
        keys.add(_live("C-1", "dk-a")), keys.add(_live("C-1", "dk-b"))
    )
    assert first == second
    assert await keys.find("C-1") == first
    assert first.wrapped == b"\x01" * 60


async def test_erasing_destroys_the_wrapped_key_and_keeps_a_tombstone(keys: CustomerKeys) -> None:
    await keys.add(_live("C-1", "dk-a"))
    await keys.add(_live("C-2", "dk-b"))
    erased = await keys.erase("C-1", _tombstone("C-1", "dk-new", T0 + timedelta(days=1)))
    assert erased.key_id == "dk-a"
    assert erased.wrapped is None
    assert erased.master_key_id is None
    assert erased.erased_at == T0 + timedelta(days=1)
    assert await keys.find("C-1") == erased
    other = await keys.find("C-2")
    assert other is not None
    assert other.wrapped == b"\x01" * 60

    again = await keys.erase("C-1", _tombstone("C-1", "dk-other", T0 + timedelta(days=2)))
    assert again == erased, "erasing twice changes nothing"
    assert await keys.add(_live("C-1", "dk-c")) == erased, "a tombstone is never replaced"


async def test_erasing_a_customer_never_seen_stores_the_tombstone(keys: CustomerKeys) -> None:
    tombstone = _tombstone("C-9", "dk-t", T0)
    assert await keys.erase("C-9", tombstone) == tombstone
    assert await keys.find("C-9") == tombstone


async def test_the_database_refuses_a_half_erased_row(fresh_database_url: str) -> None:
    connection = await asyncpg.connect(fresh_database_url)
    try:
        with pytest.raises(asyncpg.CheckViolationError, match="live_or_erased"):
            await connection.execute(
                "INSERT INTO customer_keys VALUES ('C-1', 'dk-a', $1, NULL, now(), now())",
                b"\x01",
            )
    finally:
        await connection.close()


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM customer_keys",
        "UPDATE customer_keys SET customer_ref = 'C-2'",
        "UPDATE customer_keys SET key_id = 'dk-other'",
        "TRUNCATE customer_keys",
    ],
)
async def test_the_application_may_erase_a_key_but_not_remove_or_move_one(
    fresh_database_url: str, statement: str
) -> None:
    connection = await asyncpg.connect(as_role(fresh_database_url, roles.APP))
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await connection.execute(statement)
    finally:
        await connection.close()
