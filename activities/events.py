"""Appending a switch's domain events to the event store.

The workflow is the only writer of a switch's stream and knows its exact version, so every
append states the expected version; idempotency keys (the CSS message id, or the switch id
and stream version) make a retried activity return the original positions instead of
writing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from temporalio import activity

from eventstore.interface import EventStore
from eventstore.model import NewEvent


@dataclass(frozen=True)
class EventRecord:
    type: str
    data: dict[str, Any]
    idempotency_key: str
    schema_version: int = 1
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AppendInput:
    stream_id: str
    expected_version: int
    events: list[EventRecord]


@dataclass(frozen=True)
class AppendResult:
    last_version: int
    positions: list[int]
    duplicate: bool


class EventActivities:
    def __init__(self, store: EventStore) -> None:
        self._store = store

    @activity.defn(name="append_switch_events")
    async def append_switch_events(self, request: AppendInput) -> AppendResult:
        events = [
            NewEvent(
                type=record.type,
                data=record.data,
                idempotency_key=record.idempotency_key,
                schema_version=record.schema_version,
                metadata=record.metadata,
            )
            for record in request.events
        ]
        # A retry whose first attempt committed but lost its answer is recognised by its
        # keys before the version check, so it gets the original result back.
        result = await self._store.append(request.stream_id, events, request.expected_version)
        return AppendResult(result.last_version, list(result.positions), result.duplicate)
