"""What the `switching audit` commands do, on the engine `ops.engine` locates; the command
bodies (`ops.audit_commands`) print.

Temporal's refusals become the operator error tree here; the store's and the audit's own
errors keep theirs (`ops.errors` gives each its exit status).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from temporalio.service import RPCError

from audit import keys
from audit.bundle import BundleCheck
from audit.checkpoint_files import read_exported
from audit.checkpointer import CheckpointRefused, make_checkpoint
from audit.export import export_switch
from audit.offline import verify_bundle
from audit.rebuild import RebuildReport, rebuild_and_compare
from audit.replay import ReplayReport, histories_from, histories_in, replay
from audit.store_audit import StoreAudit, audit_store
from config import Settings
from css.pki import KeyHistory, PkiPaths, load_key_history
from eventstore import roles
from eventstore.database import resolve_database_url
from eventstore.errors import EventStoreError
from eventstore.ledger import Checkpoint
from eventstore.postgres import PostgresEventStore
from ops.audit_show import SwitchAudit, audit_switch
from ops.engine import connect, event_store
from ops.switch_workflow import rpc_failure
from privacy.customer_keys import PostgresCustomerKeys
from privacy.keys import load_ring
from privacy.vault import Vault
from readmodels.projector import Projector
from readmodels.switch import SwitchReadModel, live_rows

T = TypeVar("T")


def _run(work: Awaitable[T]) -> T:
    async def guarded() -> T:
        try:
            return await work
        except RPCError as error:
            raise rpc_failure(error, None) from None

    return asyncio.run(guarded())


def show(settings: Settings, switch_id: str) -> SwitchAudit:
    async def work() -> SwitchAudit:
        client = await connect(settings)
        async with event_store(settings) as store:
            vault = Vault(PostgresCustomerKeys(store.pool), load_ring(settings.key_file))
            return await audit_switch(store, client, switch_id, vault)

    return _run(work())


def _css_keys(settings: Settings, folder: Path | None = None) -> KeyHistory | None:
    css_folder = folder or PkiPaths(settings.pki_dir).css_jws_dir
    return load_key_history(css_folder) if css_folder.is_dir() else None


def export(settings: Settings, switch_id: str, out: Path, key_path: Path | None = None) -> int:
    """A sealed bundle, made as the auditor with the audit key."""
    key = keys.load_signing_key(private_key_path(settings, key_path))
    css_keys = _css_keys(settings)

    async def work() -> int:
        client = await connect(settings)
        async with event_store(settings, roles.AUDITOR) as store:
            return await export_switch(store, client, switch_id, out, key, css_keys)

    return _run(work())


def replay_histories(
    settings: Settings,
    query: str | None,
    folder: Path | None,
    progress: Callable[[ReplayReport], None] | None = None,
) -> ReplayReport:
    async def work() -> ReplayReport:
        if folder is not None:
            return await replay(histories_in(folder), progress=progress)
        client = await connect(settings)
        return await replay(
            histories_from(client, query), progress=progress, converter=client.data_converter
        )

    return _run(work())


class _LiveReadModel:
    """The live `switch_read_model`, caught up first so projector lag is not a finding."""

    def __init__(self, store: PostgresEventStore) -> None:
        self._store = store

    async def rows(self) -> dict[str, dict[str, Any]]:
        await Projector(self._store, self._store.pool, SwitchReadModel()).catch_up()
        async with self._store.pool.acquire() as connection:
            return await live_rows(connection)


def rebuild_read_model(settings: Settings) -> RebuildReport:
    async def work() -> RebuildReport:
        async with event_store(settings, embedded=True) as store:
            return await rebuild_and_compare(store, _LiveReadModel(store))

    return _run(work())


def check_bundle(
    settings: Settings, path: Path, public_key: Path | None, fingerprint: str | None
) -> BundleCheck:
    """Check a bundle offline against the pinned audit key (default: the data folder's)."""
    pin = keys.KeyPin.of(
        public_key or (None if fingerprint else public_key_path(settings)), fingerprint
    )
    return _run(verify_bundle(path, pin))


def private_key_path(settings: Settings, given: Path | None = None) -> Path:
    return given or settings.audit_key or settings.audit_dir / keys.PRIVATE_NAME


def public_key_path(settings: Settings, given: Path | None = None) -> Path:
    return given or settings.audit_public_key or settings.audit_dir / keys.PUBLIC_NAME


def keygen(settings: Settings, folder: Path | None) -> tuple[Path, keys.AuditPublicKey, bool]:
    """The audit key pair in `folder` (default: the data folder's audit/), made if absent."""
    target = folder or settings.audit_dir
    public, created = keys.generate(target)
    return target, public, created


@dataclass(frozen=True)
class CheckpointOptions:
    key: Path | None = None
    export_dir: Path | None = None
    #: Seconds between checkpoints; None makes one and returns.
    every: float | None = None


def checkpoint(
    settings: Settings, options: CheckpointOptions, say: Callable[[str], None]
) -> Checkpoint | None:
    """Certify what settled since the last checkpoint (as the auditor role), and export it."""
    key = keys.load_signing_key(private_key_path(settings, options.key))
    export_dir = options.export_dir or settings.checkpoint_dir

    async def certify_once(store: PostgresEventStore) -> Checkpoint | None:
        made = await make_checkpoint(store, key, export_dir)
        say("nothing new to certify" if made is None else f"signed {made.describe()}")
        return made

    async def work() -> Checkpoint | None:
        async with event_store(settings, roles.AUDITOR, embedded=True) as store:
            if options.every is None:
                return await certify_once(store)
            while True:
                # Kept running: a refusal is an alarm to repeat every round, and a store
                # that is briefly unreachable is tried again.
                try:
                    await certify_once(store)
                except CheckpointRefused as refused:
                    for problem in refused.problems:
                        say(f"not certified: {problem}")
                except EventStoreError as error:
                    say(f"round failed, retrying: {error}")
                await asyncio.sleep(options.every)

    return _run(work())


@dataclass(frozen=True)
class VerifyOptions:
    public_key: Path | None = None
    fingerprint: str | None = None
    checkpoints: Path | None = None
    css_keys: Path | None = None


def _pin(settings: Settings, options: VerifyOptions) -> keys.KeyPin | None:
    if options.fingerprint or options.public_key:
        return keys.KeyPin.of(options.public_key, options.fingerprint)
    default = public_key_path(settings)
    return keys.KeyPin.of(default, None) if default.is_file() else None


def verify_store(settings: Settings, options: VerifyOptions) -> StoreAudit:
    """The store against its checkpoints and every stored CSS body against its signature."""
    pin = _pin(settings, options)
    folder = options.checkpoints or settings.checkpoint_dir
    exported = read_exported(folder) if folder is not None else []
    if exported and pin is None:
        raise keys.AuditKeyError("exported checkpoints need the audit public key to check them")
    css_keys = _css_keys(settings, options.css_keys)

    async def work() -> StoreAudit:
        return await audit_store(await resolve_database_url(settings), pin, exported, css_keys)

    return _run(work())
