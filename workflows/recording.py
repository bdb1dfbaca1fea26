"""How workflow code writes its events down and reads CSS's refusals: pure helpers."""

from __future__ import annotations

from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

from activities.contracts import CSS_REFUSED, EventRecord
from domain.events import SCHEMA_VERSIONS, Event, NotificationApplied, event_to_record


def event_records(
    switch_id: str, version: int, events: list[Event], causation: str
) -> list[EventRecord]:
    """The records of events appended after stream version `version`."""
    return [_record(switch_id, version + i + 1, e, causation) for i, e in enumerate(events)]


def _record(switch_id: str, version: int, event: Event, causation: str) -> EventRecord:
    type_name, data = event_to_record(event)
    metadata: dict[str, Any] = {
        "correlation_id": switch_id,
        "causation_id": causation,
        "workflow_run_id": workflow.info().run_id,
    }
    if isinstance(event, NotificationApplied):
        key = event.notification.message_id
        metadata["css_message_id"] = key
    else:
        key = f"{switch_id}/{version}"
    return EventRecord(
        type=type_name,
        data=data,
        idempotency_key=key,
        schema_version=SCHEMA_VERSIONS[type_name],
        metadata=metadata,
    )


def css_refusal(error: ActivityError) -> tuple[str, str] | None:
    """(reason code, detail) when CSS refused the request outright, else None."""
    cause = error.cause
    if isinstance(cause, ApplicationError) and cause.type == CSS_REFUSED:
        details = list(cause.details)
        if len(details) == 2:
            return str(details[0]), str(details[1])
        return "REJECTED", cause.message
    return None
