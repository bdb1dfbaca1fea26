"""Least privilege: the application role appends and reads, and nothing it could use to
change the past works for it; the grants cover every table; the owner runs migrations."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

import readmodels.schema  # noqa: F401  (their tables join the shared metadata on import)
import receiver.schema  # noqa: F401
from eventstore import roles
from eventstore.database import migrate_to_head
from eventstore.model import ANY, NewEvent
from eventstore.postgres import PostgresEventStore
from eventstore.schema import metadata
from eventstore.urls import with_database
from readmodels.projector import Projector
from readmodels.registrations import RegistrationDirectory, RegistrationRoutes
from readmodels.switch import SwitchReadModel
from receiver.ledger import AttemptOutcome, DeliveryStatus, NewDelivery
from receiver.postgres import PostgresDeliveryLedger
from tests.conftest import as_role

SWITCHING = Path(sys.executable).parent / "switching"


@pytest.fixture
async def app_store(fresh_database_url: str) -> AsyncIterator[PostgresEventStore]:
    store = await PostgresEventStore.connect(
        as_role(fresh_database_url, roles.APP), poll_interval=0.2
    )
    yield store
    await store.close()


async def _seed(store: PostgresEventStore) -> None:
    await store.append("sw-1", [NewEvent("T", {"n": n}) for n in range(1, 4)])


_APPEND_SIGNATURE = next(s for s in roles.FUNCTION_GRANTS if s.startswith("eventstore_append"))

FORBIDDEN = [
    (
        "UPDATE events SET data = '{}' WHERE stream_id = 'sw-1'",
        "permission denied for table events",
    ),
    ("DELETE FROM events WHERE stream_id = 'sw-1'", "permission denied for table events"),
    ("TRUNCATE events CASCADE", "permission denied for table events"),
    ("DELETE FROM streams", "permission denied for table streams"),
    ("UPDATE streams SET created_at = now()", "permission denied for table streams"),
    ("ALTER TABLE events DISABLE TRIGGER events_append_only", "must be owner of table events"),
    ("ALTER TABLE events DISABLE TRIGGER ALL", "must be owner of table events"),
    ("ALTER TABLE events ADD COLUMN note text", "must be owner of table events"),
    ("DROP TRIGGER events_append_only ON events", "must be owner of relation events"),
    ("DROP TABLE events CASCADE", "must be owner of table events"),
    (
        "SET session_replication_role = replica",
        'permission denied to set parameter "session_replication_role"',
    ),
    ("DELETE FROM inbound_deliveries", "permission denied for table inbound_deliveries"),
    (
        "INSERT INTO audit_checkpoints (sequence, position, key_id, body, signature) "
        "VALUES (1, 0, 'k', '{}', 's')",
        "permission denied for table audit_checkpoints",
    ),
    (
        "INSERT INTO audit_ledger (position, stream_id, version, event_hash, chain_hash, "
        "checkpoint) VALUES (1, 's', 1, repeat('0', 64), repeat('0', 64), 1)",
        "permission denied for table audit_ledger",
    ),
    (
        f"ALTER FUNCTION {_APPEND_SIGNATURE} SECURITY DEFINER",
        "must be owner of function eventstore_append",
    ),
    ("CREATE ROLE intruder SUPERUSER", "permission denied to create role"),
]


@pytest.mark.parametrize(("statement", "refusal"), FORBIDDEN)
async def test_the_application_role_cannot_change_the_past(
    app_store: PostgresEventStore, statement: str, refusal: str
) -> None:
    await _seed(app_store)
    connection = await asyncpg.connect(app_store.url)
    try:
        with pytest.raises(asyncpg.PostgresError) as refused:
            await connection.execute(statement)
    finally:
        await connection.close()
    assert refusal in str(refused.value)
    assert [e.data["n"] for e in await app_store.read_stream("sw-1")] == [1, 2, 3]


async def test_the_auditor_role_can_only_add_to_the_audit_tables(
    fresh_database_url: str,
) -> None:
    connection = await asyncpg.connect(as_role(fresh_database_url, roles.AUDITOR))
    try:
        for statement in (
            "INSERT INTO events (stream_id, version, event_id, type, schema_version, data, "
            "metadata, recorded_at, hash, previous_hash) VALUES ('s', 1, gen_random_uuid(), "
            "'T', 1, '{}', '{}', now(), repeat('0', 64), repeat('0', 64))",
            "UPDATE streams SET version = 0",
            "DELETE FROM audit_ledger",
            "ALTER TABLE audit_ledger DISABLE TRIGGER ALL",
        ):
            with pytest.raises(asyncpg.PostgresError):
                await connection.execute(statement)
    finally:
        await connection.close()


async def test_what_the_engine_does_works_as_the_application_role(
    app_store: PostgresEventStore,
) -> None:
    # Both append paths: a new stream (one call), then a stale head (the locked path).
    await _seed(app_store)
    other = await PostgresEventStore.connect(app_store.url)
    try:
        await other.append("sw-1", [NewEvent("T", {"n": 4})], ANY)
    finally:
        await other.close()
    await app_store.append("sw-1", [NewEvent("T", {"n": 5})], ANY)
    assert [e.version for e in await app_store.read_all()] == [1, 2, 3, 4, 5]

    projector = Projector(app_store, app_store.pool, SwitchReadModel())
    assert await projector.catch_up() == 5
    assert await projector.rebuild() == 5

    ledger = PostgresDeliveryLedger(app_store.pool)
    now = datetime.now(UTC)
    assert await ledger.register(NewDelivery("m-1", "R-1", "sw-1", 1, 1, now))
    [claimed] = await ledger.claim_due(now, timedelta(seconds=30), 10)
    await ledger.record(claimed.position, AttemptOutcome(DeliveryStatus.DELIVERED, "sw-1", now))
    assert (await ledger.list([DeliveryStatus.DELIVERED]))[0].message_id == "m-1"
    routes = Projector(app_store, app_store.pool, RegistrationRoutes())
    assert await routes.rebuild() == 5
    assert await RegistrationDirectory(app_store, app_store.pool).switch_for("R-1") is None


def test_every_table_has_its_grants_written_in_one_place() -> None:
    tables = {table.name for table in metadata.sorted_tables}
    assert tables - set(roles.GRANTS) == set()
    assert set(roles.GRANTS) - tables == {"alembic_version"}


async def test_the_schema_belongs_to_the_owner_and_the_app_holds_exactly_its_grants(
    fresh_database_url: str,
) -> None:
    connection = await asyncpg.connect(fresh_database_url)
    try:
        owners = await connection.fetch(
            "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public'"
        )
        granted = await connection.fetch(
            "SELECT table_name, privilege_type FROM information_schema.role_table_grants "
            "WHERE grantee = $1",
            roles.APP,
        )
    finally:
        await connection.close()
    assert {row["tableowner"] for row in owners} == {roles.OWNER}
    events = {row["privilege_type"] for row in granted if row["table_name"] == "events"}
    assert events == {"SELECT", "INSERT"}


async def test_db_roles_creates_the_roles_and_a_database_the_owner_migrates(
    server_with_roles: str,
) -> None:
    name = f"roles_{uuid.uuid4().hex[:10]}"
    process = await asyncio.create_subprocess_exec(
        str(SWITCHING),
        *("db", "roles", "--admin-url", server_with_roles, "--database", name),
        env={**os.environ, "SWITCHING_APP_PASSWORD": "app-secret"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    assert f"database {name} owned by {roles.OWNER}" in out.decode()
    url = with_database(server_with_roles, name)
    try:
        await migrate_to_head(as_role(url, roles.OWNER))
        connection = await asyncpg.connect(url)
        try:
            owner = await connection.fetchval(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1", name
            )
            has_password = await connection.fetchval(
                "SELECT rolpassword IS NOT NULL FROM pg_authid WHERE rolname = $1", roles.APP
            )
        finally:
            await connection.close()
        assert owner == roles.OWNER
        assert has_password
    finally:
        connection = await asyncpg.connect(server_with_roles)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()
