"""The one place where asyncpg and socket errors become the store's own errors.

Classification follows SQLSTATE classes rather than a list of driver classes, so a driver
upgrade that adds subclasses changes nothing: connection trouble (08), transaction
rollbacks the server asks us to retry (40: serialization failure, deadlock), resource
exhaustion (53) and operator intervention (57: shutdown, statement timeout) are retryable;
constraint violations (23) and the append-only trigger (ES001) are not.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeAlias

import asyncpg

from eventstore.errors import (
    AppendOnlyViolation,
    EventStoreError,
    StoreIntegrityError,
    StoreNotMigrated,
    StoreUnavailable,
)

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

    #: A connection, whether held directly or borrowed from a pool (generic only in stubs).
    Connection: TypeAlias = asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]

APPEND_ONLY_SQLSTATE = "ES001"
_RETRYABLE_CLASSES = ("08", "40", "53", "57", "58")
_RETRYABLE_STATES = ("25P03", "25P04")  # idle-in-transaction and transaction timeouts
_MISSING_SCHEMA_STATES = ("42P01", "42883")  # undefined table, undefined function
# Client-side signs of a lost connection; asyncpg reports a session the server terminated
# mid-conversation as an InternalClientError.
_TRANSPORT_ERRORS = (asyncpg.InterfaceError, asyncpg.InternalClientError, OSError, TimeoutError)


def translate(error: BaseException, action: str) -> EventStoreError:
    """The store error for a driver error raised while doing `action`."""
    if isinstance(error, asyncpg.PostgresError):
        return _from_server(error, action)
    if isinstance(error, _TRANSPORT_ERRORS):
        return StoreUnavailable(f"{action}: database unreachable ({error})")
    return EventStoreError(f"{action}: unexpected {type(error).__name__}: {error}")


def _from_server(error: asyncpg.PostgresError, action: str) -> EventStoreError:
    state: str = getattr(error, "sqlstate", "") or ""
    message = f"{action}: {error} (SQLSTATE {state})"
    if state == APPEND_ONLY_SQLSTATE:
        return AppendOnlyViolation(f"{action}: {error}")
    if state[:2] in _RETRYABLE_CLASSES or state in _RETRYABLE_STATES:
        return StoreUnavailable(message)
    if state in _MISSING_SCHEMA_STATES:
        return StoreNotMigrated(f"{message}; run `switching db upgrade`")
    if state.startswith("23"):
        return StoreIntegrityError(message)
    return EventStoreError(message)


@contextmanager
def driver_errors(action: str) -> Iterator[None]:
    """Run a block, re-raising driver errors as store errors (ours pass through)."""
    try:
        yield
    except EventStoreError:
        raise
    except (asyncpg.PostgresError, *_TRANSPORT_ERRORS) as error:
        raise translate(error, action) from error
