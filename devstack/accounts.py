"""The dev stack's accounts: billing's facts for the market's meter points that are ours,
loaded once into an empty accounts table (the way a billing export would be)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from accounts.port import AccountsError
from accounts.postgres import load
from devstack.errors import ComponentFailed
from domain.calendar import to_london
from simulator.market.accounts import account_facts
from simulator.market.records import Market, MarketFileError


async def seed_accounts(owner_url: str, market_path: Path) -> int:
    """How many accounts were loaded; 0 when the table already holds some."""
    connection = await asyncpg.connect(owner_url)
    try:
        if await connection.fetchval("SELECT EXISTS (SELECT 1 FROM account_facts)"):
            return 0
    finally:
        await connection.close()
    today = to_london(datetime.now(UTC)).date()
    try:
        market = await asyncio.to_thread(Market.load, market_path)
        return await load(owner_url, account_facts(market, today))
    except (MarketFileError, AccountsError) as error:
        raise ComponentFailed(f"seeding the accounts from {market_path} failed: {error}") from None
