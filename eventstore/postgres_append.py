"""Appending to a stream in PostgreSQL, usually in one round trip.

All the work happens in the `eventstore_append` function (migration 0003): lock the
stream's head row, look up the batch's idempotency keys, and insert the events and move
the head only if the head is the one the caller linked the batch after. Locking the head
row serialises the writers of one stream, so versions and the hash chain stay correct even
for concurrent appends with ANY, while appends to different streams never wait for each
other (no table lock, no global counter besides the position sequence).

The chain is computed here, in Python, so the caller has to guess the head first. The
guess comes from a cache of heads this store wrote or read (or is exact: a new stream).
A right guess is one autocommitted call; a wrong or missing one falls back to a short
transaction that locks and reads the head, links, and writes (two calls), which always
progresses.

The function takes the transaction id before drawing any position: the readers' watermark
relies on that order (see `postgres_read`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import asyncpg

from eventstore.batch import (
    ExistingKey,
    LinkedEvent,
    PreparedEvent,
    batch_keys,
    check_version,
    link,
    replayed_result,
)
from eventstore.errors import StoreUnavailable
from eventstore.model import GENESIS_HASH, AppendResult, ExpectedVersion

if TYPE_CHECKING:
    from eventstore.driver import Connection

_APPEND = (
    "SELECT * FROM eventstore_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
)
_HEAD_CACHE_SIZE = 50_000
KEY_CONSTRAINT = "uq_events_stream_id_idempotency_key"


@dataclass(frozen=True)
class Head:
    version: int
    hash: str


NEW_STREAM = Head(0, GENESIS_HASH)


class HeadCache:
    """The last head seen per stream, bounded (least recently used entries go first)."""

    def __init__(self, size: int = _HEAD_CACHE_SIZE) -> None:
        self._size = size
        self._heads: OrderedDict[str, Head] = OrderedDict()

    def guess(self, stream_id: str, expected: int | ExpectedVersion) -> Head | None:
        known = self._heads.get(stream_id)
        if isinstance(expected, int):
            if known is not None and known.version == expected:
                return known
            return NEW_STREAM if expected == 0 else None
        return known

    def remember(self, stream_id: str, head: Head) -> None:
        self._heads[stream_id] = head
        self._heads.move_to_end(stream_id)
        if len(self._heads) > self._size:
            self._heads.popitem(last=False)


@dataclass(frozen=True)
class _Outcome:
    kind: str  # "appended", "duplicate" or "head"
    head: Head
    positions: tuple[int, ...]
    existing: dict[str, ExistingKey]


async def _call(
    connection: Connection,
    stream_id: str,
    prepared: Sequence[PreparedEvent],
    guess: Head | None,
) -> tuple[_Outcome, list[LinkedEvent]]:
    recorded_at = datetime.now(UTC)
    linked = (
        [] if guess is None else link(stream_id, prepared, guess.version, guess.hash, recorded_at)
    )
    row = await connection.fetchrow(
        _APPEND,
        stream_id,
        None if guess is None else guess.version,
        None if guess is None else guess.hash,
        recorded_at,
        batch_keys(prepared),
        [item.version for item in linked],
        [item.event_id for item in linked],
        [item.event.type for item in linked],
        [item.event.schema_version for item in linked],
        [item.event.data_json for item in linked],
        [item.event.metadata_json for item in linked],
        [item.event.idempotency_key for item in linked],
        [item.hash for item in linked],
        [item.previous_hash for item in linked],
    )
    assert row is not None  # a function with OUT parameters always returns one row
    return _outcome(row), linked


def _outcome(row: asyncpg.Record) -> _Outcome:
    existing: dict[str, ExistingKey] = {}
    if row["existing_keys"] is not None:
        existing = {
            key: ExistingKey(key, version, position, type_)
            for key, version, position, type_ in zip(
                row["existing_keys"],
                row["existing_versions"],
                row["existing_positions"],
                row["existing_types"],
                strict=True,
            )
        }
    return _Outcome(
        kind=row["outcome"],
        head=Head(row["head_version"], row["head_hash"]),
        positions=tuple(row["positions"] or ()),
        existing=existing,
    )


def _result(stream_id: str, outcome: _Outcome, linked: list[LinkedEvent]) -> AppendResult:
    return AppendResult(
        stream_id=stream_id,
        first_version=linked[0].version,
        last_version=linked[-1].version,
        positions=outcome.positions,
        duplicate=False,
    )


def _replayed(stream_id: str, prepared: Sequence[PreparedEvent], outcome: _Outcome) -> AppendResult:
    replayed = replayed_result(stream_id, prepared, outcome.existing)
    assert replayed is not None  # the function reports 'duplicate' only with keys found
    return replayed


async def append_in_transaction(
    connection: Connection,
    stream_id: str,
    prepared: Sequence[PreparedEvent],
    expected: int | ExpectedVersion,
    heads: HeadCache | None = None,
) -> AppendResult:
    """Append a validated batch inside the caller's transaction (commit makes it visible).

    The first call locks the head for the rest of the transaction and reports it, so the
    write that follows succeeds; only a stream created concurrently needs another round.
    """
    heads = heads or HeadCache()
    for _ in range(3):
        probe, _ = await _call(connection, stream_id, prepared, None)
        if probe.kind == "duplicate":
            return _replayed(stream_id, prepared, probe)
        check_version(stream_id, expected, probe.head.version)
        outcome, linked = await _call(connection, stream_id, prepared, probe.head)
        heads.remember(stream_id, outcome.head)
        if outcome.kind == "appended":
            return _result(stream_id, outcome, linked)
    raise StoreUnavailable(f"stream {stream_id!r} kept changing during the append; retry")


async def append_optimistically(
    connection: Connection,
    stream_id: str,
    prepared: Sequence[PreparedEvent],
    expected: int | ExpectedVersion,
    heads: HeadCache,
) -> AppendResult | None:
    """One autocommitted call when the cached head is right; None when it was not (nothing
    written), for the caller to fall back to `append_in_transaction`."""
    guess = heads.guess(stream_id, expected)
    if guess is None:
        return None
    try:
        outcome, linked = await _call(connection, stream_id, prepared, guess)
    except asyncpg.UniqueViolationError as error:
        if error.constraint_name == KEY_CONSTRAINT:
            return None  # an old key reused after a later head: the locked path reports it
        raise
    if outcome.kind == "duplicate":
        return _replayed(stream_id, prepared, outcome)
    heads.remember(stream_id, outcome.head)
    if outcome.kind == "appended":
        return _result(stream_id, outcome, linked)
    check_version(stream_id, expected, outcome.head.version)
    return None
