"""The alembic migrations: a clean round trip, and agreement with the Core tables."""

from __future__ import annotations

import re

import asyncpg
from alembic.script import ScriptDirectory
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateTable

from eventstore.database import (
    alembic_config,
    downgrade,
    migrate_to_head,
    revisions,
    upgrade,
)
from tests.integration.schema_diff import metadata, schema_differences


async def _tables(url: str) -> set[str]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        functions = await connection.fetch(
            "SELECT proname FROM pg_proc WHERE proname LIKE 'eventstore_%'"
        )
    finally:
        await connection.close()
    return {row["tablename"] for row in rows} | {row["proname"] for row in functions}


def test_migrations_have_a_single_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("postgresql://unused/none"))
    assert len(script.get_heads()) == 1


async def test_upgrade_downgrade_upgrade_round_trip(empty_database_url: str) -> None:
    url = empty_database_url
    assert (await revisions(url)).current is None

    await migrate_to_head(url)
    migrated = await _tables(url)
    head = (await revisions(url)).head
    assert (await revisions(url)).current == head
    assert {"events", "streams", "eventstore_watermark", "eventstore_refuse_change"} <= migrated

    await downgrade(url, "base")
    assert (await revisions(url)).current is None
    assert await _tables(url) == {"alembic_version"}

    await upgrade(url, "head")
    assert (await revisions(url)).current == head
    assert await _tables(url) == migrated


async def test_every_revision_steps_down_and_up_again(empty_database_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(empty_database_url))
    ordered = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    for revision in ordered:
        await upgrade(empty_database_url, revision)
        await downgrade(empty_database_url, "-1")
        await upgrade(empty_database_url, revision)
        assert (await revisions(empty_database_url)).current == revision


async def test_models_and_migrations_agree(database_url: str) -> None:
    assert await schema_differences(database_url) == []


async def test_check_constraints_carry_the_names_the_models_give(database_url: str) -> None:
    # Autogenerate does not compare CHECK constraints, so their names are checked here.
    expected: set[str] = set()
    for table in metadata.sorted_tables:
        ddl = str(CreateTable(table).compile(dialect=postgresql.dialect()))
        expected |= set(re.findall(r"CONSTRAINT (\w+) CHECK", ddl))
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT conname FROM pg_constraint WHERE contype = 'c' "
            "AND conrelid::regclass::text = ANY($1::text[])",
            [table.name for table in metadata.sorted_tables],
        )
    finally:
        await connection.close()
    assert expected
    assert {row["conname"] for row in rows} == expected
