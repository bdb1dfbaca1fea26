"""Appending a switch's domain events to the event store.

The workflow is the only writer of a switch's stream and knows its exact version, so every
append states the expected version; idempotency keys (the CSS message id, or the switch id
and stream version) make a retried activity return the original positions instead of
writing twice.
"""

from __future__ import annotations

from temporalio import activity

from activities.contracts import APPEND_SWITCH_EVENTS, AppendInput, AppendResult
from eventstore.interface import EventStore
from eventstore.model import NewEvent


class EventActivities:
    def __init__(self, store: EventStore) -> None:
        self._store = store

    @activity.defn(name=APPEND_SWITCH_EVENTS.name)
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
