"""A PostgreSQL for a benchmark: the embedded server in a throwaway folder, or DATABASE_URL.

Each benchmark gets a fresh, migrated database so earlier runs never change its figures.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from eventstore.database import embedded_server, ensure_database, migrate_to_head
from eventstore.urls import with_database


@dataclass(frozen=True)
class Server:
    url: str
    where: str


@contextmanager
def postgres(database_url: str | None) -> Iterator[Server]:
    """The given server, or an embedded one that is removed afterwards."""
    if database_url:
        yield Server(database_url, "DATABASE_URL")
        return
    folder = Path(tempfile.mkdtemp(prefix="switching-bench-pg-"))
    server = embedded_server(folder)
    try:
        yield Server(
            server.get_uri(database="postgres"),
            "embedded PostgreSQL (unix socket, data in a temporary folder)",
        )
    finally:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


async def fresh_database(server_url: str, prefix: str = "bench") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    await ensure_database(server_url, name)
    url = with_database(server_url, name)
    await migrate_to_head(url)
    return url


async def describe_server(url: str) -> str:
    connection = await asyncpg.connect(url)
    try:
        version = await connection.fetchval("SHOW server_version")
        fsync = await connection.fetchval("SHOW fsync")
        synchronous = await connection.fetchval("SHOW synchronous_commit")
    finally:
        await connection.close()
    return f"PostgreSQL {version} (fsync={fsync}, synchronous_commit={synchronous})"
