"""Driver errors become the store's own errors, at one place, with the right retry flag."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from eventstore.driver import driver_errors, translate
from eventstore.errors import (
    EventStoreError,
    StoreIntegrityError,
    StoreNotMigrated,
    StoreUnavailable,
)
from eventstore.model import NewEvent
from eventstore.postgres import PostgresEventStore


async def test_an_unreachable_server_is_unavailable(tmp_path: Path) -> None:
    url = f"postgresql://postgres:@/switching?host={tmp_path}"
    with pytest.raises(StoreUnavailable, match="connecting to the event store") as refused:
        await PostgresEventStore.connect(url)
    assert refused.value.retryable


async def test_a_database_without_the_schema_says_to_migrate(empty_database_url: str) -> None:
    store = await PostgresEventStore.connect(empty_database_url)
    try:
        with pytest.raises(StoreNotMigrated, match="switching db upgrade") as append:
            await store.append("s", [NewEvent("T", {})])
        with pytest.raises(StoreNotMigrated):
            await store.read_all()
        with pytest.raises(StoreNotMigrated):
            await store.read_stream("s")
    finally:
        await store.close()
    assert not append.value.retryable


async def _terminate_when_sleeping(url: str, pid: int) -> None:
    admin = await asyncpg.connect(url)
    try:
        for _ in range(2000):  # until the query is really running
            query = "SELECT wait_event = 'PgSleep' FROM pg_stat_activity WHERE pid = $1"
            if await admin.fetchval(query, pid):
                break
            await asyncio.sleep(0.01)
        await admin.execute("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()


async def test_a_session_terminated_mid_query_is_unavailable_and_the_store_recovers(
    event_store: PostgresEventStore,
) -> None:
    await event_store.append("s", [NewEvent("T", {})])

    async def sleep_in_the_store(connection: Any) -> None:
        with driver_errors("waiting"):
            await connection.execute("SELECT pg_sleep(30)")

    async with event_store.pool.acquire() as connection:
        pid = await connection.fetchval("SELECT pg_backend_pid()")
        sleeper = asyncio.create_task(sleep_in_the_store(connection))
        await _terminate_when_sleeping(event_store.url, pid)
        with pytest.raises(StoreUnavailable) as lost:
            await sleeper
    assert lost.value.retryable
    assert len(await event_store.read_stream("s")) == 1


async def test_server_errors_are_classified_by_sqlstate(event_store: PostgresEventStore) -> None:
    connection = await asyncpg.connect(event_store.url)
    try:
        outcomes: dict[str, EventStoreError] = {}
        statements = {
            "serialization": "DO $$ BEGIN RAISE EXCEPTION 'x' USING ERRCODE = '40001'; END $$",
            "timeout": "SET statement_timeout = 1; SELECT pg_sleep(1)",
            "constraint": "INSERT INTO streams VALUES ('s', -1, 'x')",
            "other": "SELECT 1/0",
        }
        for label, statement in statements.items():
            try:
                await connection.execute(statement)
            except asyncpg.PostgresError as error:
                outcomes[label] = translate(error, label)
    finally:
        await connection.close()

    assert type(outcomes["serialization"]) is StoreUnavailable
    assert type(outcomes["timeout"]) is StoreUnavailable
    assert type(outcomes["constraint"]) is StoreIntegrityError
    assert type(outcomes["other"]) is EventStoreError
    assert "SQLSTATE 22012" in str(outcomes["other"])
