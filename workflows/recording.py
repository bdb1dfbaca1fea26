"""How workflow code writes its events down and reads CSS's refusals: pure helpers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

from activities.contracts import CSS_REFUSED, EventRecord
from domain.events import SCHEMA_VERSIONS, Event, NotificationApplied, event_to_record


def event_records(
    switch_id: str, version: int, events: list[Event], causation: str
) -> list[EventRecord]:
    """The records of a switch's events appended after stream version `version`."""
    return [
        stream_record(
            switch_id,
            version + i + 1,
            event_to_record(event),
            SCHEMA_VERSIONS,
            causation,
            event.notification.message_id if isinstance(event, NotificationApplied) else None,
        )
        for i, event in enumerate(events)
    ]


def stream_record(
    stream_id: str,
    version: int,
    encoded: tuple[str, dict[str, Any]],
    schema_versions: Mapping[str, int],
    causation: str,
    css_message_id: str | None,
) -> EventRecord:
    """One event's record at `version` of its stream: keyed by the CSS message it applies,
    else by its place in the stream, so a retried append writes it once either way."""
    type_name, data = encoded
    metadata: dict[str, Any] = {
        "correlation_id": stream_id,
        "causation_id": causation,
        "workflow_run_id": workflow.info().run_id,
    }
    if css_message_id is not None:
        metadata["css_message_id"] = css_message_id
    key = css_message_id or f"{stream_id}/{version}"
    return EventRecord(type_name, data, key, schema_versions[type_name], metadata)


def css_refusal(error: ActivityError) -> tuple[str, str] | None:
    """(reason code, detail) when CSS refused the request outright, else None."""
    cause = error.cause
    if isinstance(cause, ApplicationError) and cause.type == CSS_REFUSED:
        details = list(cause.details)
        if len(details) == 2:
            return str(details[0]), str(details[1])
        return "REJECTED", cause.message
    return None
