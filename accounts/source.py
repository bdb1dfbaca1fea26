"""Which accounts port the engine reads: its own PostgreSQL copy, or a live adapter.

`ACCOUNTS_SOURCE` unset (or `postgres`) reads the `account_facts` table, loaded from
billing's export (`switching accounts load FILE`). To read a real billing system live,
name a factory instead, `package.module:function`: it is called with the engine's
`Settings` and must return an object with the one method of `accounts.port.Accounts`
(`async def facts(mpxn) -> AccountFacts | None`, raising `AccountsUnavailable` when billing
does not answer).
"""

from __future__ import annotations

import importlib
from typing import Any

import asyncpg

from accounts.port import Accounts
from accounts.postgres import PostgresAccounts
from config import ConfigError, Settings

POSTGRES = "postgres"


def open_accounts(settings: Settings, pool: asyncpg.Pool[Any]) -> Accounts:
    """The accounts port the settings name; `pool` is the engine's database."""
    source = settings.accounts_source or POSTGRES
    if source == POSTGRES:
        return PostgresAccounts(pool)
    module_name, _, function_name = source.partition(":")
    if not module_name or not function_name:
        raise ConfigError(
            f"ACCOUNTS_SOURCE must be '{POSTGRES}' or 'package.module:function', got {source!r}"
        )
    try:
        factory = getattr(importlib.import_module(module_name), function_name)
    except (ImportError, AttributeError) as error:
        raise ConfigError(f"ACCOUNTS_SOURCE {source!r} cannot be loaded: {error}") from None
    accounts = factory(settings)
    if not callable(getattr(accounts, "facts", None)):
        raise ConfigError(f"ACCOUNTS_SOURCE {source!r} returned no `facts` method")
    found: Accounts = accounts
    return found
