"""The hash chain: the spelling it hashes, and the first broken link it names."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eventstore.chain import LinkFields, canonical_bytes, link_hash, verify_stream
from eventstore.model import GENESIS_HASH, RecordedEvent

EVENT_ID = UUID("12345678-1234-5678-1234-567812345678")
AT = datetime(2025, 3, 3, 9, 0, 0, 123456, tzinfo=UTC)


def _fields(version: int = 1, **changes: object) -> LinkFields:
    base = LinkFields(
        stream_id="sw-1",
        version=version,
        event_id=EVENT_ID,
        type="SwitchRequested",
        schema_version=1,
        data={"mpxn": "1312345678907", "fuel": "ELECTRICITY"},
        metadata={"correlation_id": "sw-1"},
        recorded_at=AT,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_canonical_bytes_are_sorted_compact_utf8_json() -> None:
    assert (
        canonical_bytes(_fields(data={"b": "£", "a": [1, 2]}))
        == (
            '{"data":{"a":[1,2],"b":"£"},"event_id":"12345678-1234-5678-1234-567812345678",'
            '"metadata":{"correlation_id":"sw-1"},"recorded_at":"2025-03-03T09:00:00.123456+00:00",'
            '"schema_version":1,"stream_id":"sw-1","type":"SwitchRequested","version":1}'
        ).encode()
    )


def test_link_hash_is_sha256_of_previous_hash_then_canonical_bytes() -> None:
    fields = _fields()
    expected = hashlib.sha256(GENESIS_HASH.encode() + canonical_bytes(fields)).hexdigest()
    assert link_hash(GENESIS_HASH, fields) == expected


def test_recorded_at_is_hashed_in_utc_whatever_its_offset() -> None:
    elsewhere = AT.astimezone(UTC).replace(tzinfo=None)
    with pytest.raises(ValueError, match="timezone-aware"):
        canonical_bytes(_fields(recorded_at=elsewhere))
    shifted = AT.astimezone(timezone(timedelta(hours=1)))
    assert canonical_bytes(_fields(recorded_at=shifted)) == canonical_bytes(_fields())


def _chain(length: int) -> list[RecordedEvent]:
    events: list[RecordedEvent] = []
    previous = GENESIS_HASH
    for version in range(1, length + 1):
        fields = _fields(version=version, data={"n": version})
        current = link_hash(previous, fields)
        events.append(
            RecordedEvent(
                position=version * 10,
                stream_id=fields.stream_id,
                version=version,
                event_id=fields.event_id,
                type=fields.type,
                schema_version=fields.schema_version,
                data=fields.data,
                metadata=fields.metadata,
                recorded_at=fields.recorded_at,
                hash=current,
                previous_hash=previous,
            )
        )
        previous = current
    return events


def test_an_intact_chain_verifies() -> None:
    assert verify_stream("sw-1", _chain(5)) is None
    assert verify_stream("sw-1", []) is None


MUTATIONS = {
    "data": {"n": 999},
    "metadata": {"correlation_id": "someone-else"},
    "type": "SwitchWithdrawn",
    "schema_version": 2,
    "recorded_at": AT + timedelta(microseconds=1),
    "event_id": UUID(int=7),
    "stream_id": "sw-2",
}


@given(
    length=st.integers(min_value=1, max_value=6),
    data=st.data(),
    field=st.sampled_from(sorted(MUTATIONS)),
)
def test_changing_any_hashed_field_breaks_the_chain_at_that_event(
    length: int, data: st.DataObject, field: str
) -> None:
    events = _chain(length)
    index = data.draw(st.integers(min_value=0, max_value=length - 1))
    events[index] = dataclasses.replace(events[index], **{field: MUTATIONS[field]})

    broken = verify_stream("sw-1", events)

    assert broken is not None
    assert (broken.version, broken.field) == (index + 1, "hash")
    assert broken.found == events[index].hash


def test_a_missing_event_is_named_by_the_version_that_follows_it() -> None:
    events = _chain(4)
    del events[1]
    broken = verify_stream("sw-1", events)
    assert broken is not None
    assert (broken.version, broken.field, broken.expected, broken.found) == (3, "version", "2", "3")


def test_a_relinked_event_is_named_by_its_previous_hash() -> None:
    events = _chain(3)
    events[2] = dataclasses.replace(events[2], previous_hash="f" * 64)
    broken = verify_stream("sw-1", events)
    assert broken is not None
    assert (broken.version, broken.field) == (3, "previous_hash")
    assert (broken.expected, broken.found) == (events[1].hash, "f" * 64)
    assert broken.describe().startswith("stream 'sw-1' version 3: previous_hash expected")
