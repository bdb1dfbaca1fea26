"""When the demo calls a switch finished and as expected, and what it finds wrong in a stream."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from uuid import uuid4

from devstack.demo.checks import stream_problems
from devstack.demo.runner import DemoOutcome, Progress
from devstack.demo.scenarios import BY_SLUG, DemoSwitch
from domain.identifiers import Fuel, MarketSector
from domain.lifecycle import Status
from domain.request import SwitchDetails
from domain.switch import RequestSwitch, Withdraw, decide, event_to_record, evolve
from eventstore.model import RecordedEvent

AT = datetime(2026, 11, 26, 9, tzinfo=UTC)


def _switch(slug: str) -> DemoSwitch:
    return DemoSwitch(f"demo-abc123-01-{slug}", BY_SLUG[slug], "1312345678907")


def test_a_late_withdrawal_story_needs_the_refusal_as_well_as_the_status() -> None:
    item = Progress(_switch("too-late"), status=Status.ACTIVE)
    assert not item.finished
    item.acted = True
    assert item.finished
    assert not item.as_expected
    item.refusal = "switch is SECURED"
    assert item.as_expected


def test_a_terminal_status_other_than_expected_is_finished_but_wrong() -> None:
    item = Progress(_switch("happy"), status=Status.REJECTED)
    assert item.finished
    assert not item.as_expected
    assert not Progress(_switch("happy"), status=Status.SECURED).finished


def test_any_problem_fails_the_outcome() -> None:
    item = Progress(_switch("happy"), status=Status.ACTIVE)
    assert DemoOutcome([item]).ok
    assert not DemoOutcome([item], problems=["a message stored twice"]).ok


def _recorded(switch_id: str) -> list[RecordedEvent]:
    request = RequestSwitch(
        switch_id=switch_id,
        details=SwitchDetails(Fuel.ELECTRICITY, "1312345678907", MarketSector.DOMESTIC),
        requested_at=AT,
    )
    events = decide(None, request)
    events += decide(evolve(None, events[0]), Withdraw("customer cancelled", AT))
    recorded = []
    for version, event in enumerate(events, start=1):
        type_name, data = event_to_record(event)
        recorded.append(
            RecordedEvent(
                position=version,
                stream_id=switch_id,
                version=version,
                event_id=uuid4(),
                type=type_name,
                schema_version=1,
                data=data,
                metadata={},
                recorded_at=AT,
                hash="0" * 64,
                previous_hash="0" * 64,
                idempotency_key=f"{switch_id}/{version}",
            )
        )
    return recorded


def test_a_stream_that_folds_to_the_temporal_status_has_no_problems() -> None:
    item = Progress(_switch("held"), status=Status.WITHDRAWN)
    assert stream_problems(item.switch.switch_id, _recorded(item.switch.switch_id), item) == []


def test_a_stream_that_disagrees_with_temporal_is_reported() -> None:
    item = Progress(_switch("held"), status=Status.ACTIVE)
    problems = stream_problems(item.switch.switch_id, _recorded(item.switch.switch_id), item)
    assert problems == [
        f"{item.switch.switch_id}: event store folds to WITHDRAWN, Temporal shows ACTIVE"
    ]


def test_gaps_and_repeated_keys_are_reported() -> None:
    item = Progress(_switch("held"), status=Status.WITHDRAWN)
    first, second = _recorded(item.switch.switch_id)
    repeated = [
        first,
        second.__class__(**{**second.__dict__, "idempotency_key": first.idempotency_key}),
    ]
    problems = stream_problems(item.switch.switch_id, repeated, item)
    assert any("idempotency key recorded twice" in p for p in problems)
    gap = [first, replace(second, version=3)]
    assert any("not 1..2" in p for p in stream_problems(item.switch.switch_id, gap, item))
    assert stream_problems(item.switch.switch_id, [], item) == [
        f"{item.switch.switch_id}: no events in the event store"
    ]
