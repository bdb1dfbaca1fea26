"""Pure views of a switch's stream: its timeline, and field-by-field state comparison.

Kept free of database and Temporal imports so the offline bundle verifier shares them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.switch import SwitchState, event_from_record, fold
from eventstore.model import RecordedEvent

# The fields worth a glance on one timeline line; the rest stay in `--json`.
_KEY_FIELDS = (
    "kind",
    "message_id",
    "registration_id",
    "reason_code",
    "reason",
    "supply_start_date",
    "objection_window_end",
    "stale",
    "market_sector",
    "held",
    "request_day",
    "target_supply_start_date",
    "backstop_supply_start_date",
    "target",
    "attempt",
    "pence",
)


@dataclass(frozen=True)
class TimelineEntry:
    version: int
    recorded_at: datetime
    event: str
    source: str
    key_fields: Mapping[str, Any]
    hash: str

    def describe(self) -> str:
        fields = " ".join(f"{name}={value}" for name, value in self.key_fields.items())
        stamp = self.recorded_at.isoformat(timespec="seconds")
        return f"{self.version:>4}  {stamp}  {self.event:<22} {self.source:<28} {fields}".rstrip()

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "recorded_at": self.recorded_at.isoformat(),
            "event": self.event,
            "source": self.source,
            "key_fields": dict(self.key_fields),
            "hash": self.hash,
        }


def source_of(metadata: Mapping[str, Any]) -> str:
    """Who caused an event: the operator, a CSS message (by id), a timer, signup…"""
    causation = str(metadata.get("causation_id", "unknown"))
    message_id = metadata.get("css_message_id")
    if message_id and not causation.startswith("css:"):
        return f"{causation} (css message {message_id})"
    return causation


def timeline(events: Sequence[RecordedEvent]) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            version=event.version,
            recorded_at=event.recorded_at,
            event=event.type,
            source=source_of(event.metadata),
            key_fields={k: event.data[k] for k in _KEY_FIELDS if event.data.get(k) is not None},
            hash=event.hash,
        )
        for event in events
    ]


def fold_stream(events: Sequence[RecordedEvent]) -> SwitchState | None:
    """The state the stored events lead to, through the domain decider's own `evolve`."""
    return fold([event_from_record(e.type, e.data, e.schema_version) for e in events])


@dataclass(frozen=True)
class Difference:
    field: str
    store: Any
    other: Any

    def describe(self, other_name: str) -> str:
        return f"{self.field}: store {self.store!r}, {other_name} {self.other!r}"


def differences(store: SwitchState | None, other: SwitchState | None) -> list[Difference]:
    """Every field where the folded stream and another view of the switch disagree."""
    if store is None or other is None:
        if store is other:
            return []
        return [Difference("state", _summary(store), _summary(other))]
    return [
        Difference(f.name, getattr(store, f.name), getattr(other, f.name))
        for f in dataclasses.fields(SwitchState)
        if getattr(store, f.name) != getattr(other, f.name)
    ]


def _summary(state: SwitchState | None) -> str:
    return "absent" if state is None else f"{state.status.value} at version {state.version}"
