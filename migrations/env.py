"""Alembic environment: async (asyncpg), against the event store's Core metadata.

Called two ways: by `eventstore.database` with an open connection in
`config.attributes["connection"]` (so it runs inside the caller's event loop), or by the
`alembic` command, which gets its URL from `config.attributes["database_url"]`,
DATABASE_URL, or the embedded server.
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

import privacy.schema  # noqa: F401
import readmodels.schema  # noqa: F401  (their tables join the shared metadata on import)
import receiver.schema  # noqa: F401
from config import Settings
from eventstore.database import resolve_database_url, run_on_connection
from eventstore.roles import OWNER, apply_grants
from eventstore.schema import metadata

config = context.config


def do_run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        compare_server_default=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        # Every revision leaves the roles holding exactly what `eventstore.roles` grants.
        apply_grants(connection)


async def run_from_command_line() -> None:
    url = config.attributes.get("database_url") or await resolve_database_url(
        Settings.from_env(), OWNER
    )
    await run_on_connection(url, do_run_migrations)


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        do_run_migrations(connection)
        return
    if config.config_file_name is not None:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    asyncio.run(run_from_command_line())


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run against a database")
run_migrations_online()
