"""The bodies of the data protection commands: `forget` and `keys init|rotate|list`.

`forget` finds the engine's event store like every operator command (`ops.engine.locate`)
and needs no Temporal: the customer's data key lives in the event store's database.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from domain.personal import customer_ref
from ops.engine import event_store, locate
from privacy.customer_keys import PostgresCustomerKeys
from privacy.forget import ForgetResult, forget_customer
from privacy.keys import create_key_file, load_ring, rotate_key_file
from privacy.vault import Vault


def forget(reference: str) -> int:
    """Crypto-shred one customer (data key destroyed, erasure recorded)."""
    reference = customer_ref(reference)
    settings = locate()
    ring = load_ring(settings.key_file)

    async def run() -> ForgetResult:
        async with event_store(settings) as store:
            vault = Vault(PostgresCustomerKeys(store.pool), ring)
            return await forget_customer(vault, store, reference)

    typer.echo(asyncio.run(run()).describe())
    return 0


def _key_file(given: Path | None) -> Path:
    return given or locate().key_file


def keys_init(file: Path | None) -> int:
    path = _key_file(file)
    created = create_key_file(path)
    typer.echo(f"{'created' if created else 'kept the existing'} key file {path}")
    return 0


def keys_rotate(file: Path | None) -> int:
    path = _key_file(file)
    key = rotate_key_file(path)
    typer.echo(f"added key {key.key_id} to {path}; it encrypts once processes restart")
    return 0


def keys_list(file: Path | None) -> int:
    ring = load_ring(_key_file(file))
    for key_id in ring.key_ids:
        suffix = "  (encrypts)" if key_id == ring.current.key_id else ""
        typer.echo(f"{key_id}{suffix}")
    return 0
