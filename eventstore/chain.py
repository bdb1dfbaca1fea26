"""The per-stream hash chain: pure functions to compute and check links.

Each event's hash is sha256 over the previous event's hash (64 zeros for the first event
of a stream) followed by the event's canonical bytes: compact, sorted-key JSON of its
stream id, version, event id, type, schema version, data, metadata and recorded_at (ISO
8601, microseconds, UTC). Changing any stored field, reordering or removing an event
breaks the chain at that event, and `verify_stream` names the first broken link.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventstore.model import GENESIS_HASH, RecordedEvent


def canonical_json(value: Any) -> str:
    """The one JSON spelling used for hashing and storage: sorted keys, no spaces, UTF-8,
    and no NaN/Infinity (they are not JSON)."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def iso_instant(moment: datetime) -> str:
    """recorded_at as hashed: UTC with microseconds, so the database round trip is exact."""
    if moment.tzinfo is None:
        raise ValueError("recorded_at must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class LinkFields:
    """What a link covers, apart from the previous hash."""

    stream_id: str
    version: int
    event_id: UUID
    type: str
    schema_version: int
    data: Mapping[str, Any]
    metadata: Mapping[str, Any]
    recorded_at: datetime


def canonical_bytes(fields: LinkFields) -> bytes:
    envelope = {
        "stream_id": fields.stream_id,
        "version": fields.version,
        "event_id": str(fields.event_id),
        "type": fields.type,
        "schema_version": fields.schema_version,
        "data": fields.data,
        "metadata": fields.metadata,
        "recorded_at": iso_instant(fields.recorded_at),
    }
    return canonical_json(envelope).encode("utf-8")


def link_hash(previous_hash: str, fields: LinkFields) -> str:
    digest = hashlib.sha256(previous_hash.encode("ascii"))
    digest.update(canonical_bytes(fields))
    return digest.hexdigest()


def fields_of(event: RecordedEvent) -> LinkFields:
    return LinkFields(
        stream_id=event.stream_id,
        version=event.version,
        event_id=event.event_id,
        type=event.type,
        schema_version=event.schema_version,
        data=event.data,
        metadata=event.metadata,
        recorded_at=event.recorded_at,
    )


@dataclass(frozen=True)
class BrokenLink:
    """The first place a stream's chain does not hold."""

    stream_id: str
    version: int
    field: str  # "version", "previous_hash" or "hash"
    expected: str
    found: str

    def describe(self) -> str:
        return (
            f"stream {self.stream_id!r} version {self.version}: {self.field} "
            f"expected {self.expected}, found {self.found}"
        )


def verify_stream(stream_id: str, events: Iterable[RecordedEvent]) -> BrokenLink | None:
    """Check every link of one stream, given its events in version order."""
    previous = GENESIS_HASH
    expected_version = 1
    for event in events:
        if event.version != expected_version:
            return BrokenLink(
                stream_id, event.version, "version", str(expected_version), str(event.version)
            )
        if event.previous_hash != previous:
            return BrokenLink(
                stream_id, event.version, "previous_hash", previous, event.previous_hash
            )
        recomputed = link_hash(previous, fields_of(event))
        if event.hash != recomputed:
            return BrokenLink(stream_id, event.version, "hash", recomputed, event.hash)
        previous = event.hash
        expected_version += 1
    return None
