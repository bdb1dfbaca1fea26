"""Migration 0002 creates exactly the receiver's tables and index as `receiver.schema`
describes them (compared with alembic autogenerate, like the event store's own)."""

from __future__ import annotations

from eventstore.schema import metadata
from receiver.schema import inbound_deliveries, registration_submitted_index
from tests.integration.schema_diff import schema_differences


async def test_receiver_models_and_migrations_agree(database_url: str) -> None:
    assert inbound_deliveries.metadata is metadata
    assert registration_submitted_index.table is not None
    assert registration_submitted_index.table.name == "events"

    assert await schema_differences(database_url) == []
