"""Shared fixtures: a real PostgreSQL for the whole session, migrated to head.

`database_url` is embedded PostgreSQL started in a temporary folder, or `DATABASE_URL`
when set (it must be a superuser: it creates the engine's roles and databases, and the
tamper tests act as an attacker with full rights). Every database is owned and migrated
by the owner role, as in production. Tests that need an empty store of their own use
`fresh_database_url` (a database cloned from a migrated template, dropped afterwards) or
`event_store` (a PostgresEventStore on it); `as_role` gives the same database as another
role (the application's, the auditor's).
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
from hypothesis import settings

from eventstore import roles
from eventstore.database import embedded_server, ensure_database, migrate_to_head
from eventstore.postgres import PostgresEventStore
from eventstore.urls import with_database, with_user

# Property tests check rules, not speed: a per-example deadline would fail them on a busy
# machine (timing goals live in bench/), so no example is timed.
settings.register_profile("engine", deadline=None)
settings.load_profile("engine")


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
        url: str = server.get_uri(database="postgres")
        yield url
    finally:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
async def server_with_roles(postgres_server_url: str) -> str:
    """The server's superuser URL, once the engine's roles exist on it."""
    await roles.ensure_roles(postgres_server_url, {})
    return postgres_server_url


def as_role(url: str, role: str) -> str:
    """The same database, connecting as `role` (the test server trusts local logins)."""
    return with_user(url, role)


@pytest.fixture(scope="session")
async def database_url(server_with_roles: str) -> str:
    """The session's database, migrated to head by the owner; the superuser's URL to it.
    Shared, so use unique stream ids."""
    if os.environ.get("DATABASE_URL"):
        url = server_with_roles
        await migrate_to_head(url)
        return url
    await ensure_database(server_with_roles, "switching_test", owner=roles.OWNER)
    url = with_database(server_with_roles, "switching_test")
    await migrate_to_head(as_role(url, roles.OWNER))
    return url


async def _admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
async def template_database(server_with_roles: str) -> AsyncIterator[str]:
    """A migrated database nobody connects to, so it can be cloned quickly."""
    name = f"eventstore_template_{uuid.uuid4().hex[:12]}"
    await _admin(server_with_roles, f'CREATE DATABASE "{name}" OWNER {roles.OWNER}')
    await migrate_to_head(as_role(with_database(server_with_roles, name), roles.OWNER))
    yield name
    await _admin(server_with_roles, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def fresh_database_url(
    postgres_server_url: str, template_database: str
) -> AsyncIterator[str]:
    """A database of this test's own, migrated to head, dropped afterwards."""
    name = f"eventstore_test_{uuid.uuid4().hex[:12]}"
    await _admin(
        postgres_server_url,
        f'CREATE DATABASE "{name}" TEMPLATE "{template_database}" OWNER {roles.OWNER}',
    )
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
