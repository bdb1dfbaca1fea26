"""The event store's vocabulary: what callers append and what readers get back.

Pure dataclasses with no driver imports, so the domain's adapters, the in-memory store and
the PostgreSQL store all speak the same types.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final
from uuid import UUID

#: Previous hash of the first event of every stream.
GENESIS_HASH: Final = "0" * 64


class ExpectedVersion(enum.Enum):
    """Sentinel for "append whatever the stream's version is" (idempotency still applies)."""

    ANY = "any"


ANY: Final = ExpectedVersion.ANY
#: The stream must not exist yet (it has no events): version 0.
NO_STREAM: Final = 0


@dataclass(frozen=True)
class NewEvent:
    """An event a caller wants appended.

    `idempotency_key` is unique per stream (the CSS message id, or "<switch id>/<step>"): a
    retried append carrying keys that were already written returns the original result.
    """

    type: str
    data: Mapping[str, Any]
    idempotency_key: str | None = None
    schema_version: int = 1
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordedEvent:
    """An event as stored: its place in its stream and in the global order, and its chain link."""

    position: int
    stream_id: str
    version: int
    event_id: UUID
    type: str
    schema_version: int
    data: Mapping[str, Any]
    metadata: Mapping[str, Any]
    recorded_at: datetime
    hash: str
    previous_hash: str
    idempotency_key: str | None = None


@dataclass(frozen=True)
class AppendResult:
    """Where an append landed; `duplicate` is true when every key was already written."""

    stream_id: str
    first_version: int
    last_version: int
    positions: tuple[int, ...]
    duplicate: bool
