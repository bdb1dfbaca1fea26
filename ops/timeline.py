"""A switch's timeline from its stored stream, and its one rendering: a line per event
(`audit show`), a table (`status`) and JSON (both with `--json`).

Each entry names who caused the event (signup, the operator, a CSS message by id, a timer,
a reconciliation) and the facts worth a glance; the rest stay in the stored event. A field
holding a sealed personal value is always shown, as a label (sealed for whom, or erased),
never as its text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.table import Table

from domain.personal import Sealed, is_sealed
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


def timeline(
    events: Sequence[RecordedEvent], personal: Mapping[Sealed, str] | None = None
) -> list[TimelineEntry]:
    """One entry per event; `personal` labels sealed values (`privacy.reveal.labels`)."""
    labels = personal or {}
    return [
        TimelineEntry(
            version=event.version,
            recorded_at=event.recorded_at,
            type=event.type,
            source=source_of(event.metadata),
            key_fields=_key_fields(event.data, labels),
            stale=bool(event.data.get("stale")),
            hash=event.hash,
        )
        for event in events
    ]


def _key_fields(data: Mapping[str, Any], labels: Mapping[Sealed, str]) -> dict[str, Any]:
    fields = {k: data[k] for k in _KEY_FIELDS if data.get(k) is not None}
    for name, value in data.items():
        shown = _labelled(value, labels)
        if shown is not value:
            fields[name] = shown
    return fields


def _labelled(value: Any, labels: Mapping[Sealed, str]) -> Any:
    """`value` with each sealed value replaced by its label; `value` itself if none."""
    if is_sealed(value):
        sealed = Sealed.from_json(value)
        return labels.get(sealed, f"[sealed for {sealed.customer_ref}]")
    if isinstance(value, Mapping):
        items = {key: _labelled(item, labels) for key, item in value.items()}
        changed = any(items[key] is not value[key] for key in items)
        return items if changed else value
    if isinstance(value, list):
        elements = [_labelled(item, labels) for item in value]
        changed = any(new is not old for new, old in zip(elements, value, strict=True))
        return elements if changed else value
    return value


def table(entries: Iterable[TimelineEntry]) -> Table:
    """The timeline for people: one row per event."""
    rows = Table(title="timeline (event store)", title_justify="left")
    for column in ("#", "recorded", "event", "source", "detail"):
        rows.add_column(column)
    for entry in entries:
        stamp = entry.recorded_at.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
        rows.add_row(str(entry.version), stamp, entry.type, entry.source, entry.detail)
    return rows
