"""Finding and reaching a running engine for the operator commands.

`TEMPORAL_ADDRESS` and `DATABASE_URL` say where it is; when they are not set, the dev stack
running on the data folder says (it publishes its addresses in its lock file), and failing
that the defaults of `config.Settings` apply. Every way of not reaching it becomes one
`EngineUnreachable` with the address tried and what starts an engine.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

from temporalio.client import Client

from config import ConfigError, Settings
from devstack.errors import EngineUnreachable, InvalidInput
from devstack.lockfile import running_stack
from eventstore.errors import EventStoreError
from eventstore.postgres import PostgresEventStore
from privacy.codec import engine_codec
from privacy.errors import KeyFileError
from workflows.client import TemporalUnreachable
from workflows.client import connect as connect_temporal

_START_HINT = "is the engine running? `switching dev` starts one"


@dataclass(frozen=True)
class Engine:
    temporal_address: str
    namespace: str
    task_queue: str
    database_url: str | None
    settings: Settings


def locate_engine(env: Mapping[str, str] | None = None) -> Engine:
    env = os.environ if env is None else env
    try:
        settings = Settings.from_env(env)
    except ConfigError as error:
        raise InvalidInput(str(error)) from None
    stack = running_stack(settings.data_dir)
    temporal = env.get("TEMPORAL_ADDRESS") or (
        stack.temporal_address if stack and stack.ready else settings.temporal_address
    )
    database = settings.database_url or (stack.database_url if stack and stack.ready else None)
    return Engine(
        temporal_address=temporal,
        namespace=settings.temporal_namespace,
        task_queue=settings.task_queue,
        database_url=database,
        settings=settings,
    )


async def connect(engine: Engine) -> Client:
    try:
        codec = engine_codec(engine.settings.key_file)
        return await connect_temporal(engine.temporal_address, engine.namespace, codec=codec)
    except TemporalUnreachable as error:
        raise EngineUnreachable(f"{error}; {_START_HINT}") from None
    except KeyFileError as error:
        raise EngineUnreachable(str(error)) from None


@asynccontextmanager
async def event_store(engine: Engine) -> AsyncIterator[PostgresEventStore]:
    if engine.database_url is None:
        raise EngineUnreachable(
            f"no event store to read: DATABASE_URL is not set and no dev stack runs on "
            f"{engine.settings.data_dir}; {_START_HINT}"
        )
    try:
        store = await PostgresEventStore.connect(engine.database_url, min_size=1, max_size=2)
    except EventStoreError as error:
        raise EngineUnreachable(f"cannot reach the event store ({_first_line(error)})") from None
    try:
        yield store
    finally:
        await store.close()


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
