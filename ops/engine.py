"""Finding and reaching a running engine: the one locator every operator and audit command
uses.

`TEMPORAL_ADDRESS` and the database URLs say where it is; where they say nothing, the dev
stack running on the data folder says (its lock file holds its Temporal address, whatever
port it was started on, and its database URLs), and failing that the defaults of
`config.Settings` apply. Every way of not reaching it becomes one `EngineUnreachable`
naming the address tried and what starts an engine.

A command that talks to Temporal ends without interpreter teardown (`finish`), so it must
not start the embedded PostgreSQL, whose clean-up runs at a normal exit: it reads the
store the environment or the dev stack names, and only the store-only commands (the audit
of the whole store) may fall back to the embedded server.
"""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any, NoReturn

from temporalio.client import Client

from config import Settings
from eventstore import roles
from eventstore.database import resolve_database_url
from eventstore.errors import EventStoreError
from eventstore.postgres import PostgresEventStore
from ops.errors import EngineUnreachable
from ops.lockfile import running_stack
from privacy.codec import engine_codec
from privacy.errors import KeyFileError
from workflows.client import TemporalUnreachable
from workflows.client import connect as connect_temporal

_START_HINT = "is the engine running? `switching dev` starts one"

#: The enquiry services a dev stack publishes, and the variables that override them.
_ENQUIRY = (
    ("electricity_enquiry_url", "ELECTRICITY_ENQUIRY_URL"),
    ("gas_enquiry_url", "GAS_ENQUIRY_URL"),
)

#: Set once this process has tried to reach Temporal (see `finish`).
_temporal_used = False


def locate(env: Mapping[str, str] | None = None) -> Settings:
    """The settings of the engine to talk to: the environment's, completed by the dev
    stack running on the data folder wherever the environment says nothing."""
    env = os.environ if env is None else env
    settings = Settings.from_env(env)
    stack = running_stack(settings.data_dir)
    if stack is None or not stack.ready:
        return settings
    found: dict[str, Any] = {}
    if not env.get("TEMPORAL_ADDRESS"):
        found["temporal_address"] = stack.temporal_address
    if not settings.database_url:
        published = {
            "database_url": stack.database_url,
            "owner_database_url": stack.owner_database_url,
            "auditor_database_url": stack.auditor_database_url,
        }
        found |= {
            name: url for name, url in published.items() if url and not getattr(settings, name)
        }
    for name, variable in _ENQUIRY:
        url = getattr(stack, name)
        if url and not env.get(variable):
            found[name] = url
    return replace(settings, **found)


def uses_temporal() -> None:
    """Say this process starts the Temporal client's runtime (its threads start with the
    first attempt to connect, whether or not it succeeds), so `finish` ends it without
    teardown."""
    global _temporal_used
    _temporal_used = True


async def connect(settings: Settings) -> Client:
    """A client with the engine's payload codec (from the master key file)."""
    try:
        codec = engine_codec(settings.key_file)
    except KeyFileError as error:
        raise EngineUnreachable(str(error)) from None
    uses_temporal()
    try:
        return await connect_temporal(
            settings.temporal_address, settings.temporal_namespace, codec=codec
        )
    except TemporalUnreachable as error:
        raise EngineUnreachable(f"{error}; {_START_HINT}") from None


@asynccontextmanager
async def event_store(
    settings: Settings, role: str = roles.APP, *, embedded: bool = False
) -> AsyncIterator[PostgresEventStore]:
    """The event store as `role` reaches it, closed on the way out; with `embedded`, the
    embedded server under the data folder when neither the environment nor a dev stack
    names one."""
    named = {
        roles.APP: settings.database_url,
        roles.OWNER: settings.owner_database_url or settings.database_url,
        roles.AUDITOR: settings.auditor_database_url or settings.database_url,
    }[role]
    if named is None and not embedded:
        raise EngineUnreachable(
            f"no event store to read: DATABASE_URL is not set and no dev stack runs on "
            f"{settings.data_dir}; {_START_HINT}"
        )
    try:
        url = named or await resolve_database_url(settings, role)
        store = await PostgresEventStore.connect(url, min_size=1, max_size=2)
    except EventStoreError as error:
        raise EngineUnreachable(f"cannot reach the event store ({_first_line(error)})") from None
    try:
        yield store
    finally:
        await store.close()


def finish(code: int) -> NoReturn:
    """End the command with `code`, its output flushed.

    After `uses_temporal` (which `connect` calls), without interpreter teardown: the
    Temporal client's native runtime keeps threads that can touch the interpreter while it
    finalizes, which aborts a short-lived process now and then (temporalio/sdk-python issue
    300). Otherwise an ordinary exit, which runs the clean-ups registered for it.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    if _temporal_used:
        os._exit(code)
    raise SystemExit(code)


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
