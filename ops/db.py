"""What the `switching db` and `switching audit verify` commands do; the CLI only prints."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

from config import Settings
from eventstore import database, roles
from eventstore.audit import AuditReport, verify_chains
from eventstore.database import ensure_database


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


#: Where `db roles` reads each role's password (production sets them; dev needs none).
PASSWORD_VARIABLES = {
    roles.OWNER: "SWITCHING_OWNER_PASSWORD",
    roles.APP: "SWITCHING_APP_PASSWORD",
    roles.AUDITOR: "SWITCHING_AUDITOR_PASSWORD",
}


def db_roles(admin_url: str, passwords: Mapping[str, str], name: str) -> list[str]:
    """Create the owner, application and auditor roles (with the passwords given) and the
    database owned by the owner; run once by a database administrator. Returns the roles."""

    async def run() -> list[str]:
        await roles.ensure_roles(
            admin_url, {role: passwords.get(name) for role, name in PASSWORD_VARIABLES.items()}
        )
        await ensure_database(admin_url, name, owner=roles.OWNER)
        return list(PASSWORD_VARIABLES)

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
