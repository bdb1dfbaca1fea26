"""Migration 0002 creates exactly the receiver's tables and index as `css.inbound.schema`
describes them (compared with alembic autogenerate, like the event store's own)."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from css.inbound.schema import inbound_deliveries, registration_submitted_index
from eventstore.database import sqlalchemy_url
from eventstore.schema import metadata


async def test_receiver_models_and_migrations_agree(database_url: str) -> None:
    assert inbound_deliveries.metadata is metadata
    assert registration_submitted_index.table is not None
    assert registration_submitted_index.table.name == "events"

    def compare(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, metadata))

    engine = create_async_engine(sqlalchemy_url(database_url))
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(compare)
    finally:
        await engine.dispose()
    assert differences == []
