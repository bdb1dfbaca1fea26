"""The accounts port: the facts the supplier's billing system holds about an account.

The engine reads them (never writes them) when a customer leaves, to decide on an
objection. `port.Accounts` is the one method it needs; `postgres.PostgresAccounts` reads
the engine's copy in the `account_facts` table (loaded from a billing export by
`switching accounts load`); `source.open_accounts` picks the implementation the settings
name, so a live adapter to a real billing system plugs in without touching the engine.
"""
