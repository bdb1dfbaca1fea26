"""Checks and preparation shared by every store, so they accept and refuse the same appends.

An append is validated before anything touches storage (bad input gets a precise error),
its JSON is normalised once (the stored and hashed forms are the same objects), and the
batch's idempotency keys are classified against those already in the stream.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventstore.chain import LinkFields, canonical_json, link_hash
from eventstore.errors import ConcurrencyError, IdempotencyConflict, InvalidAppend
from eventstore.model import ANY, AppendResult, ExpectedVersion, NewEvent

MAX_STREAM_ID_LENGTH = 200
MAX_BATCH = 10_000
_STREAM_ID = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII, no spaces: safe in URLs and logs


@dataclass(frozen=True)
class PreparedEvent:
    """A validated event: its JSON normalised and spelled canonically, ready to link."""

    type: str
    schema_version: int
    data: Mapping[str, Any]
    metadata: Mapping[str, Any]
    data_json: str
    metadata_json: str
    idempotency_key: str | None


@dataclass(frozen=True)
class LinkedEvent:
    """A prepared event placed in its stream: version, id, time and chain link."""

    event: PreparedEvent
    version: int
    event_id: uuid.UUID
    recorded_at: datetime
    hash: str
    previous_hash: str


@dataclass(frozen=True)
class ExistingKey:
    """An idempotency key already in the stream, with what it recorded."""

    key: str
    version: int
    position: int
    type: str


def check_stream_id(stream_id: str) -> None:
    if not isinstance(stream_id, str) or not _STREAM_ID.match(stream_id):
        raise InvalidAppend(
            f"stream id {stream_id!r} must be non-empty printable ASCII without spaces"
        )
    if len(stream_id) > MAX_STREAM_ID_LENGTH:
        raise InvalidAppend(f"stream id is longer than {MAX_STREAM_ID_LENGTH} characters")


def check_expected(expected_version: int | ExpectedVersion) -> None:
    if expected_version is ANY:
        return
    if isinstance(expected_version, bool) or not isinstance(expected_version, int):
        raise InvalidAppend(f"expected_version must be an int or ANY, got {expected_version!r}")
    if expected_version < 0:
        raise InvalidAppend(f"expected_version must not be negative, got {expected_version}")


def _json_object(value: Mapping[str, Any], what: str) -> tuple[Mapping[str, Any], str]:
    if not isinstance(value, Mapping):
        raise InvalidAppend(f"{what} must be a mapping, got {type(value).__name__}")
    try:
        text = canonical_json(dict(value))
    except (TypeError, ValueError) as error:
        raise InvalidAppend(f"{what} is not JSON: {error}") from None
    # Parsing our own spelling back gives exactly what a reader will get from storage, so
    # the hash computed now is the hash a verifier recomputes later.
    normalised: Mapping[str, Any] = json.loads(text)
    return normalised, text


def _prepare_one(index: int, event: NewEvent) -> PreparedEvent:
    label = f"event {index}"
    if not isinstance(event, NewEvent):
        raise InvalidAppend(f"{label} is a {type(event).__name__}, not a NewEvent")
    if not isinstance(event.type, str) or not event.type.strip():
        raise InvalidAppend(f"{label} has an empty type")
    label = f"event {index} ({event.type})"
    if isinstance(event.schema_version, bool) or not isinstance(event.schema_version, int):
        raise InvalidAppend(f"{label} schema_version must be an int")
    if event.schema_version < 1:
        raise InvalidAppend(f"{label} schema_version must be at least 1")
    key = event.idempotency_key
    if key is not None and (not isinstance(key, str) or not key):
        raise InvalidAppend(f"{label} idempotency_key must be a non-empty string or None")
    data, data_json = _json_object(event.data, f"{label} data")
    metadata, metadata_json = _json_object(event.metadata, f"{label} metadata")
    return PreparedEvent(
        type=event.type,
        schema_version=event.schema_version,
        data=data,
        metadata=metadata,
        data_json=data_json,
        metadata_json=metadata_json,
        idempotency_key=key,
    )


def prepare(
    stream_id: str, events: Sequence[NewEvent], expected_version: int | ExpectedVersion
) -> list[PreparedEvent]:
    """Validate an append request; raises InvalidAppend naming the offending part."""
    check_stream_id(stream_id)
    check_expected(expected_version)
    if isinstance(events, NewEvent) or not isinstance(events, Sequence):
        raise InvalidAppend("events must be a sequence of NewEvent")
    if not events:
        raise InvalidAppend(f"append to {stream_id!r} has no events")
    if len(events) > MAX_BATCH:
        raise InvalidAppend(f"append of {len(events)} events exceeds the limit of {MAX_BATCH}")
    prepared = [_prepare_one(index, event) for index, event in enumerate(events)]
    seen: set[str] = set()
    for item in prepared:
        if item.idempotency_key is None:
            continue
        if item.idempotency_key in seen:
            raise InvalidAppend(
                f"idempotency key {item.idempotency_key!r} appears twice in the batch"
            )
        seen.add(item.idempotency_key)
    return prepared


def batch_keys(prepared: Sequence[PreparedEvent]) -> list[str]:
    return [item.idempotency_key for item in prepared if item.idempotency_key is not None]


def replayed_result(
    stream_id: str, prepared: Sequence[PreparedEvent], existing: Mapping[str, ExistingKey]
) -> AppendResult | None:
    """The original result when every event's key was already written; None when none were.

    Anything in between (some keys known, some new or absent) cannot be a retry of one
    append, so it is refused rather than half-applied.
    """
    if not existing:
        return None
    known = [item for item in prepared if item.idempotency_key in existing]
    if len(known) != len(prepared):
        new = [
            item.idempotency_key or f"<no key: {item.type}>"
            for item in prepared
            if item.idempotency_key not in existing
        ]
        raise IdempotencyConflict(
            stream_id,
            f"batch mixes already written keys {sorted(existing)} with new events {new}",
            existing=sorted(existing),
            new=new,
        )
    records = [existing[item.idempotency_key] for item in known if item.idempotency_key]
    for item, record in zip(known, records, strict=True):
        if record.type != item.type:
            raise IdempotencyConflict(
                stream_id,
                f"key {record.key!r} was written for a {record.type} event at version "
                f"{record.version}, not for a {item.type} event",
                existing=[record.key],
                new=[],
            )
    records.sort(key=lambda record: record.version)
    return AppendResult(
        stream_id=stream_id,
        first_version=records[0].version,
        last_version=records[-1].version,
        positions=tuple(record.position for record in records),
        duplicate=True,
    )


def check_version(stream_id: str, expected_version: int | ExpectedVersion, actual: int) -> None:
    if isinstance(expected_version, int) and expected_version != actual:
        raise ConcurrencyError(stream_id, expected_version, actual)


def link(
    stream_id: str,
    prepared: Sequence[PreparedEvent],
    head_version: int,
    head_hash: str,
    recorded_at: datetime,
) -> list[LinkedEvent]:
    """Place the batch after the stream's head, chaining each hash to the one before."""
    linked: list[LinkedEvent] = []
    previous = head_hash
    for offset, item in enumerate(prepared, start=1):
        version = head_version + offset
        event_id = uuid.uuid4()
        fields = LinkFields(
            stream_id=stream_id,
            version=version,
            event_id=event_id,
            type=item.type,
            schema_version=item.schema_version,
            data=item.data,
            metadata=item.metadata,
            recorded_at=recorded_at,
        )
        current = link_hash(previous, fields)
        linked.append(LinkedEvent(item, version, event_id, recorded_at, current, previous))
        previous = current
    return linked
