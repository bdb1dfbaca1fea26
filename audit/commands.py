"""What the `switching audit` commands do; the CLI only prints.

Every failure to reach the store or Temporal is translated here into an AuditError.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from temporalio.client import Client
from temporalio.service import RPCError

from audit.bundle import BundleCheck
from audit.errors import AuditError
from audit.export import export_switch
from audit.offline import verify_bundle
from audit.rebuild import RebuildReport, rebuild_and_compare
from audit.replay import ReplayReport, histories_from, histories_in, replay
from audit.show import SwitchAudit, audit_switch
from config import Settings
from eventstore.database import resolve_database_url
from eventstore.errors import EventStoreError
from eventstore.postgres import PostgresEventStore
from privacy.codec import EncryptionCodec
from privacy.customer_keys import PostgresCustomerKeys
from privacy.errors import PrivacyError
from privacy.keys import KeyRing, load_ring
from privacy.vault import Vault
from readmodels.projector import Projector
from readmodels.switch import SwitchReadModel, live_rows
from workflows.client import TemporalUnreachable
from workflows.client import connect as connect_temporal

T = TypeVar("T")


def _run(work: Awaitable[T]) -> T:
    async def guarded() -> T:
        try:
            return await work
        except EventStoreError as error:
            raise AuditError(str(error)) from None
        except RPCError as error:
            raise AuditError(f"Temporal: {error.message}") from None

    return asyncio.run(guarded())


def _ring(settings: Settings) -> KeyRing:
    try:
        return load_ring(settings.key_file)
    except PrivacyError as error:
        raise AuditError(str(error)) from None


async def _client(settings: Settings) -> Client:
    try:
        return await connect_temporal(
            settings.temporal_address,
            settings.temporal_namespace,
            codec=EncryptionCodec(_ring(settings)),
        )
    except TemporalUnreachable as error:
        raise AuditError(str(error)) from None


@asynccontextmanager
async def _store(settings: Settings) -> AsyncIterator[PostgresEventStore]:
    store = await PostgresEventStore.connect(await resolve_database_url(settings))
    try:
        yield store
    finally:
        await store.close()


def show(settings: Settings, switch_id: str) -> SwitchAudit:
    async def work() -> SwitchAudit:
        client = await _client(settings)
        async with _store(settings) as store:
            vault = Vault(PostgresCustomerKeys(store.pool), _ring(settings))
            return await audit_switch(store, client, switch_id, vault)

    return _run(work())


def export(settings: Settings, switch_id: str, out: Path) -> int:
    async def work() -> int:
        client = await _client(settings)
        codec = client.data_converter.payload_codec
        assert isinstance(codec, EncryptionCodec), "the engine's client encrypts"
        async with _store(settings) as store:
            return await export_switch(store, client, codec, switch_id, out)

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
        client = await _client(settings)
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
        async with _store(settings) as store:
            return await rebuild_and_compare(store, _LiveReadModel(store))

    return _run(work())


def check_bundle(path: Path) -> BundleCheck:
    return _run(verify_bundle(path))
