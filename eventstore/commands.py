"""What the `switching db` and `switching audit verify` commands do; the CLI only prints."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from config import Settings
from eventstore import database, roles
from eventstore.audit import AuditReport, verify_chains


def db_upgrade(settings: Settings, revision: str = "head") -> database.Revisions:
    async def run() -> database.Revisions:
        url = await database.resolve_database_url(settings, roles.OWNER)
        await database.upgrade(url, revision)
        return await database.revisions(url)

    return asyncio.run(run())


def db_downgrade(settings: Settings, revision: str) -> database.Revisions:
    async def run() -> database.Revisions:
        url = await database.resolve_database_url(settings, roles.OWNER)
        await database.downgrade(url, revision)
        return await database.revisions(url)

    return asyncio.run(run())


def db_current(settings: Settings) -> database.Revisions:
    async def run() -> database.Revisions:
        return await database.revisions(await database.resolve_database_url(settings))

    return asyncio.run(run())


def audit_verify(
    settings: Settings,
    stream_id: str | None = None,
    progress: Callable[[AuditReport], None] | None = None,
) -> AuditReport:
    async def run() -> AuditReport:
        url = await database.resolve_database_url(settings)
        return await verify_chains(url, stream_id, progress)

    return asyncio.run(run())
