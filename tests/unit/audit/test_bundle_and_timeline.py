"""The pure parts of the audit: bundle digests and chain checks, sources, state differences."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from audit.bundle import build_bundle, check_records, event_from_json, event_to_json
from audit.crosscheck import differences
from domain.identifiers import Fuel, MarketSector
from domain.lifecycle import Status
from domain.request import SwitchDetails
from domain.switch import SwitchState
from eventstore.chain import LinkFields, link_hash
from eventstore.model import GENESIS_HASH, RecordedEvent
from ops.timeline import source_of

AT = datetime(2026, 11, 2, 9, 0, 0, 123456, tzinfo=UTC)


def _stream(switch_id: str, count: int) -> list[RecordedEvent]:
    events, previous = [], GENESIS_HASH
    for version in range(1, count + 1):
        fields = LinkFields(switch_id, version, uuid4(), "Noted", 1, {"n": version}, {}, AT)
        digest = link_hash(previous, fields)
        events.append(
            RecordedEvent(
                version,
                switch_id,
                version,
                fields.event_id,
                "Noted",
                1,
                {"n": version},
                {},
                AT,
                digest,
                previous,
            )
        )
        previous = digest
    return events


def test_an_event_survives_the_bundle_encoding_exactly() -> None:
    event = _stream("sw-1", 1)[0]
    assert event_from_json(event_to_json(event)) == event


def test_an_untouched_bundle_checks_clean() -> None:
    bundle = build_bundle("sw-1", '{"events": []}', _stream("sw-1", 3))
    check, events = check_records(bundle)
    assert check.ok, check.problems
    assert [e.version for e in events] == [1, 2, 3]


def test_a_changed_event_is_named_and_the_digest_no_longer_matches() -> None:
    bundle: dict[str, Any] = build_bundle("sw-1", "{}", _stream("sw-1", 3))
    bundle["events"][1]["data"]["n"] = 20
    check, _ = check_records(bundle)
    assert check.problems[0].startswith("broken link at event stream 'sw-1' version 2: hash")
    assert "events digest does not match the manifest" in check.problems


def test_a_changed_history_fails_its_digest() -> None:
    bundle = build_bundle("sw-1", "{}", _stream("sw-1", 1))
    check, _ = check_records({**bundle, "history": "{ }"})
    assert check.problems == ["history digest does not match the manifest"]


def test_a_dropped_last_event_is_caught_by_the_manifest() -> None:
    bundle = build_bundle("sw-1", "{}", _stream("sw-1", 3))
    events = bundle["events"][:-1]
    check, _ = check_records({**bundle, "events": events})
    assert any(p.startswith("manifest names 3 events") for p in check.problems)


def test_sources_name_the_css_message_when_the_cause_does_not() -> None:
    assert source_of({"causation_id": "css:m-1", "css_message_id": "m-1"}) == "css:m-1"
    assert source_of({"causation_id": "reconciliation:2", "css_message_id": "r-9"}) == (
        "reconciliation:2 (css message r-9)"
    )
    assert source_of({"causation_id": "operator"}) == "operator"
    assert source_of({}) == "unknown"


def test_differences_list_each_disagreeing_field() -> None:
    state = SwitchState(
        switch_id="sw-1",
        status=Status.PENDING,
        details=SwitchDetails(Fuel.ELECTRICITY, "1312345678907", MarketSector.DOMESTIC),
        requested_at=AT,
        updated_at=AT,
    )
    other = replace(state, status=Status.CONFIRMED, version=4)
    found = [d.describe("workflow") for d in differences(state, other)]
    assert found == [
        f"status: store {Status.PENDING!r}, workflow {Status.CONFIRMED!r}",
        "version: store 0, workflow 4",
    ]
    assert differences(state, state) == []
    assert [d.field for d in differences(None, state)] == ["state"]
