"""Shared fixtures: a real PostgreSQL for the whole session, migrated to head.

`database_url` is embedded PostgreSQL started in a temporary folder, or `DATABASE_URL`
when set (it must allow CREATE DATABASE, and be a superuser for the tamper tests). Tests
that need an empty store of their own use `fresh_database_url` (a database cloned from a
migrated template, dropped afterwards) or `event_store` (a PostgresEventStore on it).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from eventstore.database import embedded_server, ensure_database, migrate_to_head, with_database
from eventstore.postgres import PostgresEventStore


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A URL on the test server with rights to create databases."""
    external = os.environ.get("DATABASE_URL")
    if external:
        yield external
        return
    # Not under pytest's basetemp: every pytest session chmods that tree to 0700, which
    # would lock out the server's own system user whenever two sessions run at once.
    folder = Path(tempfile.mkdtemp(prefix="switching-test-pg-"))
    server = embedded_server(folder)
    try:
        yield server.get_uri(database="postgres")
    finally:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
async def database_url(postgres_server_url: str) -> str:
    """The session's database, migrated to head; shared, so use unique stream ids."""
    if os.environ.get("DATABASE_URL"):
        url = postgres_server_url
    else:
        await ensure_database(postgres_server_url, "switching_test")
        url = with_database(postgres_server_url, "switching_test")
    await migrate_to_head(url)
    return url


async def _admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
async def template_database(postgres_server_url: str) -> AsyncIterator[str]:
    """A migrated database nobody connects to, so it can be cloned quickly."""
    name = f"eventstore_template_{uuid.uuid4().hex[:12]}"
    await _admin(postgres_server_url, f'CREATE DATABASE "{name}"')
    await migrate_to_head(with_database(postgres_server_url, name))
    yield name
    await _admin(postgres_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def fresh_database_url(
    postgres_server_url: str, template_database: str
) -> AsyncIterator[str]:
    """A database of this test's own, migrated to head, dropped afterwards."""
    name = f"eventstore_test_{uuid.uuid4().hex[:12]}"
    await _admin(postgres_server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    yield with_database(postgres_server_url, name)
    await _admin(postgres_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def empty_database_url(postgres_server_url: str) -> AsyncIterator[str]:
    """A database of this test's own with no schema at all, dropped afterwards."""
    name = f"eventstore_empty_{uuid.uuid4().hex[:12]}"
    await _admin(postgres_server_url, f'CREATE DATABASE "{name}"')
    yield with_database(postgres_server_url, name)
    await _admin(postgres_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def event_store(fresh_database_url: str) -> AsyncIterator[PostgresEventStore]:
    """An empty PostgresEventStore of this test's own."""
    store = await PostgresEventStore.connect(fresh_database_url, poll_interval=0.2)
    yield store
    await store.close()
