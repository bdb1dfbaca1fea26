"""After the batch: does the event store tell the same story as Temporal, once per fact?

For each demo switch the stream must run 1..n without gaps, hold each idempotency key and
each CSS message id once (CSS sent copies; the engine must have kept one), and fold
through the decider to the status Temporal shows. And every notification CSS saw
acknowledged must be stored once, as received, by the receiver.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from audit.crosscheck import fold_stream
from devstack.demo.runner import Progress
from eventstore.interface import EventStore
from eventstore.model import RecordedEvent
from receiver.records import inbound_stream


async def store_problems(store: EventStore, progress: Sequence[Progress]) -> list[str]:
    problems: list[str] = []
    for item in progress:
        events = await store.read_stream(item.switch.switch_id)
        problems.extend(stream_problems(item.switch.switch_id, events, item))
    return problems


def stream_problems(switch_id: str, events: Sequence[RecordedEvent], item: Progress) -> list[str]:
    if not events:
        return [f"{switch_id}: no events in the event store"]
    problems: list[str] = []
    versions = [event.version for event in events]
    if versions != list(range(1, len(events) + 1)):
        problems.append(f"{switch_id}: stream versions are not 1..{len(events)}: {versions}")
    for what, values in (
        ("idempotency key", [e.idempotency_key for e in events if e.idempotency_key]),
        ("CSS message id", [e.metadata.get("css_message_id") for e in events]),
    ):
        repeated = [v for v, n in Counter(v for v in values if v).items() if n > 1]
        if repeated:
            problems.append(f"{switch_id}: {what} recorded twice: {', '.join(map(str, repeated))}")
    state = fold_stream(events)
    folded = None if state is None else state.status
    if folded is not item.status:
        problems.append(f"{switch_id}: event store folds to {folded}, Temporal shows {item.status}")
    return problems


async def delivery_problems(
    store: EventStore, deliveries: Sequence[Mapping[str, Any]]
) -> list[str]:
    """`deliveries` as the simulator lists them: message_id and registration_id per copy."""
    expected: dict[str, set[str]] = {}
    for delivery in deliveries:
        expected.setdefault(delivery["registration_id"], set()).add(delivery["message_id"])
    problems: list[str] = []
    for registration_id, message_ids in sorted(expected.items()):
        events = await store.read_stream(inbound_stream(registration_id))
        stored = Counter(event.idempotency_key for event in events)
        missing = sorted(message_ids - set(stored))
        if missing:
            problems.append(f"{registration_id}: acknowledged but not stored: {', '.join(missing)}")
        twice = sorted(str(key) for key, n in stored.items() if n > 1)
        if twice:
            problems.append(f"{registration_id}: stored twice: {', '.join(twice)}")
    return problems
