"""A switch's timeline from its stored stream, and its one rendering: a line per event
(`audit show`), a table (`status`) and JSON (both with `--json`).

Each entry names who caused the event (signup, the operator, a CSS message by id, a timer,
a reconciliation) and the facts worth a glance; the rest stay in the stored event.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.table import Table

from eventstore.model import RecordedEvent

#: The fields worth a glance on a timeline, in the order they are shown.
_KEY_FIELDS = (
    "kind",
    "message_id",
    "registration_id",
    "supply_start_date",
    "objection_window_end",
    "reason_code",
    "reason",
    "detail",
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
    type: str
    source: str
    key_fields: Mapping[str, Any]
    stale: bool
    hash: str

    @property
    def detail(self) -> str:
        """The key fields as `name=value`, and whether the event was stale."""
        parts = [f"{name}={value}" for name, value in self.key_fields.items()]
        if self.stale:
            parts.append("stale: recorded, status unchanged")
        return ", ".join(parts)

    def describe(self) -> str:
        stamp = self.recorded_at.isoformat(timespec="seconds")
        line = f"{self.version:>4}  {stamp}  {self.type:<22} {self.source:<28} {self.detail}"
        return line.rstrip()

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "recorded_at": self.recorded_at.isoformat(),
            "type": self.type,
            "source": self.source,
            "key_fields": dict(self.key_fields),
            "stale": self.stale,
            "detail": self.detail,
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
            type=event.type,
            source=source_of(event.metadata),
            key_fields={k: event.data[k] for k in _KEY_FIELDS if event.data.get(k) is not None},
            stale=bool(event.data.get("stale")),
            hash=event.hash,
        )
        for event in events
    ]


def table(entries: Iterable[TimelineEntry]) -> Table:
    """The timeline for people: one row per event."""
    rows = Table(title="timeline (event store)", title_justify="left")
    for column in ("#", "recorded", "event", "source", "detail"):
        rows.add_column(column)
    for entry in entries:
        stamp = entry.recorded_at.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
        rows.add_row(str(entry.version), stamp, entry.type, entry.source, entry.detail)
    return rows
