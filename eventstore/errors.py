"""The store's own error tree; driver errors are translated into it in one place.

Every class carries `retryable` so an activity can classify a failure by class alone:
retryable ones (the database was unreachable, timed out, or asked us to retry a
serialization failure) are worth another attempt; the others will fail the same way again.
"""

from __future__ import annotations

from collections.abc import Sequence


class EventStoreError(Exception):
    """Base of every error the event store raises."""

    retryable: bool = False


class StoreUnavailable(EventStoreError):
    """The database could not be reached or gave up on us (connection lost, timeout,
    serialization failure, deadlock, shutdown); the same call may succeed later."""

    retryable = True


class StoreNotMigrated(EventStoreError):
    """The database lacks the event store's tables: run `switching db upgrade`."""


class StoreIntegrityError(EventStoreError):
    """The database refused a write that would break an invariant (a constraint or the
    append-only rule)."""


class AppendOnlyViolation(StoreIntegrityError):
    """Someone tried to UPDATE, DELETE or TRUNCATE stored events."""


class InvalidAppend(EventStoreError):
    """The append request itself is malformed (empty batch, bad stream id, data that is not
    JSON, a key used twice in one batch); the message says which part."""


class ConcurrencyError(EventStoreError):
    """The stream's version is not the one the caller expected."""

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"stream {stream_id!r} is at version {actual}, the append expected {expected}"
        )


class IdempotencyConflict(EventStoreError):
    """A batch mixes idempotency keys already written with new ones, or reuses a key for an
    event of another type; retrying cannot make it valid."""

    def __init__(
        self, stream_id: str, message: str, existing: Sequence[str], new: Sequence[str]
    ) -> None:
        self.stream_id = stream_id
        self.existing = tuple(existing)
        self.new = tuple(new)
        super().__init__(f"stream {stream_id!r}: {message}")


#: Leaf classes an activity must not retry (for Temporal's non_retryable_error_types).
NON_RETRYABLE_ERRORS: tuple[str, ...] = (
    "StoreNotMigrated",
    "StoreIntegrityError",
    "AppendOnlyViolation",
    "InvalidAppend",
    "ConcurrencyError",
    "IdempotencyConflict",
)
