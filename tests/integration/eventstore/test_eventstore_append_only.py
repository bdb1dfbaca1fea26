"""Append-only enforcement by PostgreSQL, and tampering caught by `switching audit verify`."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import asyncpg
import pytest

from eventstore.audit import verify_chains
from eventstore.driver import translate
from eventstore.errors import AppendOnlyViolation
from eventstore.model import NewEvent
from eventstore.postgres import PostgresEventStore

SWITCHING = Path(sys.executable).parent / "switching"


async def _seed(store: PostgresEventStore) -> None:
    for stream in ("sw-1", "sw-2"):
        await store.append(stream, [NewEvent("T", {"n": n}) for n in range(1, 4)])


async def _connect(store: PostgresEventStore) -> asyncpg.Connection:
    return await asyncpg.connect(store.url)


@pytest.mark.parametrize(
    ("statement", "operation"),
    [
        (
            "UPDATE events SET data = '{\"n\": 99}' WHERE stream_id = 'sw-1' AND version = 2",
            "UPDATE",
        ),
        ("DELETE FROM events WHERE stream_id = 'sw-1' AND version = 3", "DELETE"),
        ("TRUNCATE events CASCADE", "TRUNCATE"),
    ],
)
async def test_changing_stored_events_is_refused_by_the_database(
    event_store: PostgresEventStore, statement: str, operation: str
) -> None:
    await _seed(event_store)
    connection = await _connect(event_store)
    try:
        with pytest.raises(asyncpg.PostgresError) as refused:
            await connection.execute(statement)
    finally:
        await connection.close()

    assert refused.value.sqlstate == "ES001"
    assert f"events are append-only: {operation} refused" in str(refused.value)
    translated = translate(refused.value, "tampering")
    assert isinstance(translated, AppendOnlyViolation)
    assert not translated.retryable
    assert [e.data["n"] for e in await event_store.read_stream("sw-1")] == [1, 2, 3]


async def _as_superuser_without_trigger(store: PostgresEventStore, statement: str) -> None:
    connection = await _connect(store)
    try:
        async with connection.transaction():
            await connection.execute("ALTER TABLE events DISABLE TRIGGER events_append_only")
            await connection.execute(statement)
            await connection.execute("ALTER TABLE events ENABLE TRIGGER events_append_only")
    finally:
        await connection.close()


async def _switching(url: str, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        str(SWITCHING),
        *args,
        env={**os.environ, "DATABASE_URL": url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


async def test_audit_verify_passes_an_untouched_store(event_store: PostgresEventStore) -> None:
    await _seed(event_store)
    code, out, err = await _switching(event_store.url, "audit", "verify")
    assert (code, err) == (0, "")
    assert "all chains intact: 2 streams, 6 events checked" in out


async def test_data_altered_behind_the_trigger_is_reported_at_its_version(
    event_store: PostgresEventStore,
) -> None:
    await _seed(event_store)
    await _as_superuser_without_trigger(
        event_store,
        "UPDATE events SET data = '{\"n\": 20}' WHERE stream_id = 'sw-2' AND version = 2",
    )

    report = await verify_chains(event_store.url)
    assert report.streams_checked == 2
    assert [(b.stream_id, b.version, b.field) for b in report.broken] == [("sw-2", 2, "hash")]
    original = (await event_store.read_stream("sw-2"))[1].hash
    assert report.broken[0].found == original
    assert report.broken[0].expected != original

    code, out, err = await _switching(event_store.url, "audit", "verify")
    assert code == 1
    assert f"stream 'sw-2' version 2: hash expected {report.broken[0].expected}" in err
    assert f"found {original}" in err
    assert "1 broken chain(s)" in err

    code, out, _ = await _switching(event_store.url, "audit", "verify", "--stream", "sw-1")
    assert code == 0
    assert "1 streams, 3 events checked" in out


async def test_a_deleted_tail_event_is_reported_against_the_stream_head(
    event_store: PostgresEventStore,
) -> None:
    await _seed(event_store)
    await _as_superuser_without_trigger(
        event_store, "DELETE FROM events WHERE stream_id = 'sw-1' AND version = 3"
    )

    report = await verify_chains(event_store.url)
    assert [(b.stream_id, b.version, b.field) for b in report.broken] == [("sw-1", 3, "head")]


async def test_a_removed_middle_event_breaks_the_chain_at_the_gap(
    event_store: PostgresEventStore,
) -> None:
    await _seed(event_store)
    await _as_superuser_without_trigger(
        event_store, "DELETE FROM events WHERE stream_id = 'sw-1' AND version = 2"
    )

    report = await verify_chains(event_store.url, "sw-1")
    assert [(b.stream_id, b.version, b.field) for b in report.broken] == [("sw-1", 3, "version")]
    assert (report.broken[0].expected, report.broken[0].found) == ("2", "3")


async def test_audit_verify_names_an_unknown_stream(event_store: PostgresEventStore) -> None:
    code, _, err = await _switching(event_store.url, "audit", "verify", "--stream", "nope")
    assert code == 1
    assert "no stream 'nope'" in err
