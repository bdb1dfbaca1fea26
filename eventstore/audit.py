"""Verifying every stream's hash chain in the database, for `switching audit verify`.

One pass over all events in (stream, version) order through a server-side cursor, so the
memory used does not grow with the store. Besides each link, the stream's head row must
name the last event: a deleted tail would otherwise leave a chain that still verifies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import asyncpg

from eventstore.chain import BrokenLink, verify_stream
from eventstore.driver import driver_errors
from eventstore.model import GENESIS_HASH, RecordedEvent
from eventstore.postgres_read import decode

_PROGRESS_EVERY = 10_000

_ALL = """
SELECT s.stream_id AS head_stream, s.version AS head_version, s.last_hash AS head_hash,
       e.position, e.stream_id, e.version, e.event_id, e.type, e.schema_version, e.data,
       e.metadata, e.recorded_at, e.hash, e.previous_hash, e.idempotency_key
FROM streams s LEFT JOIN events e ON e.stream_id = s.stream_id
WHERE $1::text IS NULL OR s.stream_id = $1
ORDER BY s.stream_id, e.version
"""


@dataclass
class AuditReport:
    streams_checked: int = 0
    events_checked: int = 0
    broken: list[BrokenLink] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.broken


@dataclass
class _Stream:
    stream_id: str
    head_version: int
    head_hash: str
    events: list[RecordedEvent] = field(default_factory=list)


def _check(stream: _Stream) -> BrokenLink | None:
    broken = verify_stream(stream.stream_id, stream.events)
    if broken is not None:
        return broken
    last_version = stream.events[-1].version if stream.events else 0
    last_hash = stream.events[-1].hash if stream.events else GENESIS_HASH
    if (stream.head_version, stream.head_hash) != (last_version, last_hash):
        return BrokenLink(
            stream.stream_id,
            stream.head_version,
            "head",
            f"version {last_version} hash {last_hash}",
            f"version {stream.head_version} hash {stream.head_hash}",
        )
    return None


async def verify_chains(
    url: str,
    stream_id: str | None = None,
    progress: Callable[[AuditReport], None] | None = None,
) -> AuditReport:
    """Check every stream (or one), reporting the first broken link of each."""
    report = AuditReport()
    with driver_errors("verifying the hash chains"):
        connection = await asyncpg.connect(url)
        try:
            async with connection.transaction(isolation="repeatable_read", readonly=True):
                current: _Stream | None = None
                async for row in connection.cursor(_ALL, stream_id, prefetch=2000):
                    if current is None or row["head_stream"] != current.stream_id:
                        if current is not None:
                            _finish(current, report, progress)
                        current = _Stream(row["head_stream"], row["head_version"], row["head_hash"])
                    if row["stream_id"] is not None:
                        current.events.append(decode(row))
                if current is not None:
                    _finish(current, report, progress)
        finally:
            await connection.close()
    return report


def _finish(
    stream: _Stream, report: AuditReport, progress: Callable[[AuditReport], None] | None
) -> None:
    report.streams_checked += 1
    report.events_checked += len(stream.events)
    broken = _check(stream)
    if broken is not None:
        report.broken.append(broken)
    if progress is not None and report.streams_checked % _PROGRESS_EVERY == 0:
        progress(report)
