"""What alembic autogenerate finds between the Core models and a migrated database."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

import privacy.schema  # noqa: F401
import readmodels.schema  # noqa: F401  (their tables join the shared metadata on import)
import receiver.schema  # noqa: F401
from eventstore.database import sqlalchemy_url
from eventstore.schema import metadata


async def schema_differences(database_url: str) -> list[Any]:
    """Every difference autogenerate would act on; empty when models and migrations agree."""

    def compare(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, metadata))

    engine = create_async_engine(sqlalchemy_url(database_url))
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(compare)
    finally:
        await engine.dispose()
