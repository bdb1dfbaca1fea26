"""The contract every event store meets; the contract test suite runs against each one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from eventstore.model import ANY, AppendResult, ExpectedVersion, NewEvent, RecordedEvent
from eventstore.subscription import Subscription


class EventStore(Protocol):
    async def append(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        expected_version: int | ExpectedVersion = ANY,
    ) -> AppendResult:
        """Append events atomically at the end of a stream.

        Raises ConcurrencyError when `expected_version` is an int that differs from the
        stream's version (NO_STREAM = 0 means the stream must not exist). When every
        idempotency key of the batch was already written, returns the original result with
        `duplicate=True` and writes nothing; a batch mixing old and new keys raises
        IdempotencyConflict.
        """
        ...

    async def read_stream(self, stream_id: str, after_version: int = 0) -> list[RecordedEvent]:
        """Events of one stream with version > after_version, in version order."""
        ...

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        """Events of every stream after a global position, in position order, never past an
        event whose writer might still commit (so a reader that resumes after the last
        position it saw never skips a late commit)."""
        ...

    def subscribe(self, after_position: int = 0) -> Subscription:
        """Every event after `after_position`, in position order, exactly once: catches up,
        then follows new appends. Close it with `aclose()` or `async with`."""
        ...

    async def close(self) -> None: ...
