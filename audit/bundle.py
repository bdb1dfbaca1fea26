"""The offline audit bundle: one JSON file an auditor can check with no database or Temporal.

It holds the switch's Temporal history (as exported, kept as text so its digest is over
the exact bytes), its event stream with every chain link, and a manifest of sha256 digests;
`audit.bundle_seal` adds the proof only the auditor can sign. Verification re-checks the
seal, each link (naming the first altered event), the digests, replays the history on the
current workflow code, and folds the stream through the decider to the state the workflow
itself returned.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from audit.errors import AuditError
from eventstore.chain import canonical_json, iso_instant, verify_stream
from eventstore.model import RecordedEvent

FORMAT = "switching-audit-bundle/2"


def event_to_json(event: RecordedEvent) -> dict[str, Any]:
    return {
        "position": event.position,
        "stream_id": event.stream_id,
        "version": event.version,
        "event_id": str(event.event_id),
        "type": event.type,
        "schema_version": event.schema_version,
        "data": dict(event.data),
        "metadata": dict(event.metadata),
        "recorded_at": iso_instant(event.recorded_at),
        "hash": event.hash,
        "previous_hash": event.previous_hash,
        "idempotency_key": event.idempotency_key,
    }


def event_from_json(value: Mapping[str, Any]) -> RecordedEvent:
    try:
        return RecordedEvent(
            position=int(value["position"]),
            stream_id=str(value["stream_id"]),
            version=int(value["version"]),
            event_id=UUID(value["event_id"]),
            type=str(value["type"]),
            schema_version=int(value["schema_version"]),
            data=dict(value["data"]),
            metadata=dict(value["metadata"]),
            recorded_at=datetime.fromisoformat(value["recorded_at"]),
            hash=str(value["hash"]),
            previous_hash=str(value["previous_hash"]),
            idempotency_key=value.get("idempotency_key"),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise AuditError(f"bundle event is malformed: {error!r}") from None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _events_text(events: Sequence[Mapping[str, Any]]) -> str:
    return canonical_json(list(events))


def build_bundle(
    switch_id: str, history_json: str, events: Sequence[RecordedEvent]
) -> dict[str, Any]:
    encoded = [event_to_json(e) for e in events]
    return {
        "manifest": {
            "format": FORMAT,
            "switch_id": switch_id,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "events": len(encoded),
            "last_hash": encoded[-1]["hash"] if encoded else None,
            "sha256": {"history": _digest(history_json), "events": _digest(_events_text(encoded))},
        },
        "history": history_json,
        "events": encoded,
    }


def write_bundle(path: Path, bundle: Mapping[str, Any]) -> None:
    try:
        path.write_text(json.dumps(bundle, indent=1, ensure_ascii=False) + "\n", "utf-8")
    except OSError as error:
        raise AuditError(f"cannot write {path}: {error.strerror}") from None


def read_bundle(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text("utf-8"))
    except OSError as error:
        raise AuditError(f"cannot read {path}: {error.strerror}") from None
    except ValueError as error:
        raise AuditError(f"{path} is not a bundle: {error}") from None
    if not isinstance(value, dict) or value.get("manifest", {}).get("format") != FORMAT:
        raise AuditError(f"{path} is not a {FORMAT} file")
    return value


@dataclass
class BundleCheck:
    """Everything the offline check found; `problems` is empty when the bundle holds."""

    switch_id: str
    events: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_records(bundle: Mapping[str, Any]) -> tuple[BundleCheck, list[RecordedEvent]]:
    """The digests and chain of a bundle (the part that needs no workflow code)."""
    manifest = bundle["manifest"]
    raw_events = bundle.get("events")
    history = bundle.get("history")
    if not isinstance(raw_events, list) or not isinstance(history, str):
        raise AuditError("bundle lacks its events list or history text")
    switch_id = str(manifest.get("switch_id"))
    check = BundleCheck(switch_id, len(raw_events))
    events = [event_from_json(e) for e in raw_events]
    for event in events:
        if event.stream_id != switch_id:
            check.problems.append(f"event version {event.version} is of stream {event.stream_id!r}")
    # The chain first: it names the event that was altered, the digest only says "something".
    broken = verify_stream(switch_id, events)
    if broken is not None:
        check.problems.append(f"broken link at event {broken.describe()}")
    digests = manifest.get("sha256", {})
    if digests.get("events") != _digest(_events_text(raw_events)):
        check.problems.append("events digest does not match the manifest")
    if digests.get("history") != _digest(history):
        check.problems.append("history digest does not match the manifest")
    last = events[-1].hash if events else None
    if manifest.get("events") != len(events) or manifest.get("last_hash") != last:
        check.problems.append(
            f"manifest names {manifest.get('events')} events ending {manifest.get('last_hash')}, "
            f"bundle holds {len(events)} ending {last}"
        )
    return check, events
