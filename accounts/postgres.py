"""The accounts port on the engine's copy of billing's facts: the `account_facts` table.

The application role may only read it (`eventstore.roles.GRANTS`); `load` replaces rows
with a billing export and runs as the database owner, like a migration, because the copy
is billing's to change, not the engine's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Final

import asyncpg

from accounts.port import AccountsFault, AccountsUnavailable
from domain.accounts import AccountFacts, InvalidAccountFacts
from domain.identifiers import MarketSector
from eventstore.driver import driver_errors
from eventstore.errors import EventStoreError, StoreUnavailable

_READ: Final = (
    "SELECT mpxn, market_sector, arrears_pence, oldest_unpaid_due, fixed_term_end, "
    "debt_assignment_agreed FROM account_facts WHERE mpxn = $1"
)
_UPSERT: Final = """
INSERT INTO account_facts (mpxn, market_sector, arrears_pence, oldest_unpaid_due,
                           fixed_term_end, debt_assignment_agreed, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, now())
ON CONFLICT (mpxn) DO UPDATE SET
    market_sector = excluded.market_sector,
    arrears_pence = excluded.arrears_pence,
    oldest_unpaid_due = excluded.oldest_unpaid_due,
    fixed_term_end = excluded.fixed_term_end,
    debt_assignment_agreed = excluded.debt_assignment_agreed,
    updated_at = excluded.updated_at
"""


@contextmanager
def _accounts_errors(action: str) -> Iterator[None]:
    """The one place driver and store errors become the port's own."""
    try:
        with driver_errors(action):
            yield
    except StoreUnavailable as error:
        raise AccountsUnavailable(str(error)) from error
    except EventStoreError as error:
        raise AccountsFault(str(error)) from error


class PostgresAccounts:
    def __init__(self, pool: asyncpg.Pool[Any]) -> None:
        self._pool = pool

    async def facts(self, mpxn: str) -> AccountFacts | None:
        with _accounts_errors("reading account facts"):
            row = await self._pool.fetchrow(_READ, mpxn)
        if row is None:
            return None
        try:
            return AccountFacts(
                mpxn=row["mpxn"],
                market_sector=MarketSector(row["market_sector"]),
                arrears_pence=int(row["arrears_pence"]),
                oldest_unpaid_due=row["oldest_unpaid_due"],
                fixed_term_end=row["fixed_term_end"],
                debt_assignment_agreed=row["debt_assignment_agreed"],
            )
        except (InvalidAccountFacts, ValueError) as error:
            raise AccountsFault(f"account facts for {mpxn}: {error}") from None


async def load(owner_url: str, facts: Iterable[AccountFacts]) -> int:
    """Write every account's facts (replacing what was there) in one transaction, as the
    owner; returns how many were written."""
    rows = [
        (
            item.mpxn,
            item.market_sector.value,
            item.arrears_pence,
            item.oldest_unpaid_due,
            item.fixed_term_end,
            item.debt_assignment_agreed,
        )
        for item in facts
    ]
    with _accounts_errors("loading account facts"):
        connection = await asyncpg.connect(owner_url)
        try:
            async with connection.transaction():
                await connection.executemany(_UPSERT, rows)
        finally:
            await connection.close()
    return len(rows)
