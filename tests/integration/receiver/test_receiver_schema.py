"""The receiver's and the read models' tables are exactly what the migrations create
(compared with alembic autogenerate, like the event store's own)."""

from __future__ import annotations

from eventstore.schema import metadata
from readmodels.schema import registration_routes
from receiver.schema import inbound_deliveries
from tests.integration.schema_diff import schema_differences


async def test_receiver_models_and_migrations_agree(database_url: str) -> None:
    assert inbound_deliveries.metadata is metadata
    assert registration_routes.metadata is metadata

    assert await schema_differences(database_url) == []
