"""The bodies of `switching accounts load` and `accounts show`: the engine's copy of
billing's account facts, loaded from billing's export as the database owner, read as the
engine reads it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from accounts.export import ExportError, read_export
from accounts.port import AccountsError
from accounts.postgres import PostgresAccounts, load
from ops.engine import event_store, locate
from ops.errors import EngineUnreachable, InvalidInput, OperationError


def load_export(path: Path) -> int:
    """Replace the accounts in `path` (JSON lines, `accounts.export`) in one transaction."""
    try:
        facts = list(read_export(path))
    except ExportError as error:
        raise InvalidInput(str(error)) from None
    settings = locate()
    url = settings.owner_database_url or settings.database_url
    if url is None:
        raise EngineUnreachable(
            "no database to load into: set DATABASE_OWNER_URL (or run `switching dev`)"
        )

    async def run() -> int:
        return await load(url, facts)

    try:
        written = asyncio.run(run())
    except AccountsError as error:
        raise OperationError(f"cannot load the accounts: {error}") from None
    typer.echo(f"loaded {written} account(s) from {path}")
    return 0


def show(mpxn: str) -> int:
    settings = locate()

    async def run() -> str:
        async with event_store(settings) as store:
            facts = await PostgresAccounts(store.pool).facts(mpxn)
        if facts is None:
            return f"billing holds no account for {mpxn}"
        return (
            f"{facts.mpxn}: sector {facts.market_sector.value}, arrears {facts.arrears_pence}p"
            f" (oldest due {facts.oldest_unpaid_due or '-'}), fixed term to "
            f"{facts.fixed_term_end or '-'}, debt assignment "
            f"{'agreed' if facts.debt_assignment_agreed else 'not agreed'}"
        )

    try:
        typer.echo(asyncio.run(run()))
    except AccountsError as error:
        raise OperationError(f"cannot read the accounts: {error}") from None
    return 0
