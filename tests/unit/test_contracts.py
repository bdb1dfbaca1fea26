"""What crosses the workflow's boundary keeps its shape: the committed histories' payloads
and stored events decode and encode again unchanged, signup's documented input is read as
is, the state travels as a versioned record, and an old submission is still sent."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.common.v1 import Payload

from activities.contracts import (
    CSS_NON_RETRYABLE,
    STORE_NON_RETRYABLE,
    AppendInput,
    LegacySubmitInput,
    SubmitInput,
)
from activities.registration import RegistrationActivities
from css import errors as css_errors
from css.messages import RegistrationAck, RegistrationRequest, RegistrationStatus
from domain.events import (
    NotificationApplied,
    SwitchRequested,
    current_record,
    event_from_record,
    event_to_record,
)
from domain.identifiers import Fuel, MarketSector
from domain.lifecycle import NotificationKind, Status
from domain.notification import Notification
from domain.records import to_record, upcast
from domain.request import SwitchDetails
from domain.switch import SwitchState
from domain.switch_request import InvalidSwitchRequest
from eventstore.errors import NON_RETRYABLE_ERRORS
from workflows.converter import DATA_CONVERTER
from workflows.input import read_input
from workflows.messages import SwitchInput, SwitchResult

ROOT = Path(__file__).resolve().parents[2]
HISTORIES = sorted((ROOT / "tests" / "histories").glob("*.json"))
AT = datetime(2026, 11, 26, 9, 45, tzinfo=UTC)
CONVERTER = DATA_CONVERTER.payload_converter


def _payloads(event_type: str, name: str | None = None) -> Iterator[bytes]:
    """The first payload of every history event of a type (an activity's or signal's name)."""
    for path in HISTORIES:
        for event in json.loads(path.read_text())["events"]:
            if event["eventType"] != event_type:
                continue
            attributes = next(v for k, v in event.items() if k.endswith("Attributes"))
            named = attributes.get("activityType", {}).get("name") or attributes.get("signalName")
            if name is None or named == name:
                carried = attributes.get("input") or attributes.get("result")
                yield base64.b64decode(carried["payloads"][0]["data"])


def _started_inputs() -> Iterator[tuple[Path, bytes]]:
    for path in HISTORIES:
        started = json.loads(path.read_text())["events"][0]
        attributes = started["workflowExecutionStartedEventAttributes"]
        yield path, base64.b64decode(attributes["input"]["payloads"][0]["data"])


#: The record fields the notification and the state gained with the supply-date rules.
_ADDED_TO_NOTIFICATION = ("mpxn", "market_sector")
_ADDED_TO_STATE = (
    "request_received_at",
    "request_day",
    "target_supply_start_date",
    "target_gate_closure",
    "backstop_supply_start_date",
    "backstop_gate_closure",
    "deadlines_market_sector",
    "held_market_sector",
    "compensation_waived",
    "compensation_waiver_reason",
    "unmatched_notifications",
)


def _decode(data: bytes, hint: Any) -> Any:
    payload = Payload(metadata={"encoding": b"json/plain"}, data=data)
    return CONVERTER.from_payload(payload, hint)


def _encode(value: object) -> Any:
    return json.loads(CONVERTER.to_payload(value).data)


def _state() -> SwitchState:
    details = SwitchDetails(Fuel.GAS, "3938424403", MarketSector.NON_DOMESTIC, shipper_id="SHIP")
    return SwitchState(
        switch_id="sw-1",
        status=Status.PENDING,
        details=details,
        requested_at=AT,
        updated_at=AT,
        supply_start_date=date(2026, 11, 30),
        seen_message_ids=("m-1",),
        version=3,
    )


# --- stored events -------------------------------------------------------------------------


def test_every_stored_event_in_the_histories_reads_and_writes_back_the_same() -> None:
    checked = set()
    for data in _payloads("EVENT_TYPE_ACTIVITY_TASK_SCHEDULED", "append_switch_events"):
        for record in _decode(data, AppendInput).events:
            event = event_from_record(record.type, record.data, record.schema_version)
            # Written back at today's version: the record as its upcasters bring it there.
            current = current_record(record.type, record.data, record.schema_version)
            assert event_to_record(event) == (record.type, current)
            checked.add(record.type)
    assert {"SwitchRequested", "NotificationApplied", "RegistrationSubmitted"} <= checked


def test_value_objects_are_stored_flat_in_the_fields_order_they_always_had() -> None:
    details = SwitchDetails(Fuel.ELECTRICITY, "1312345678907", MarketSector.DOMESTIC)
    _, requested = event_to_record(SwitchRequested("sw-1", details, AT))
    assert list(requested) == [
        "switch_id",
        "fuel",
        "mpxn",
        "market_sector",
        "requested_supply_start_date",
        "change_of_occupancy",
        "erroneous_transfer",
        "shipper_id",
        "at",
    ]
    told = Notification("m-1", NotificationKind.SECURED, "REG-1", AT, None, date(2026, 12, 1))
    _, applied = event_to_record(NotificationApplied(told, "css", stale=False))
    assert applied == {
        "message_id": "m-1",
        "kind": "SECURED",
        "registration_id": "REG-1",
        "occurred_at": AT.isoformat(),
        "objection_window_end": None,
        "supply_start_date": "2026-12-01",
        "reason_code": None,
        "mpxn": None,
        "market_sector": None,
        "source": "css",
        "stale": False,
    }
    assert list(applied) == list(applied.keys())  # insertion order is the order above
    assert event_from_record("NotificationApplied", applied, 1).notification == told


# --- the workflow's payloads ---------------------------------------------------------------


def test_every_signal_in_the_histories_is_one_notification_value() -> None:
    signals = list(_payloads("EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED", "notification"))
    assert signals
    for data in signals:
        notification = _decode(data, Notification)
        assert isinstance(notification, Notification)
        # A signal sent before the notification named its meter point and sector reads as
        # one whose new fields are empty, and nothing else changes.
        encoded, sent = _encode(notification), json.loads(data)
        assert encoded == {**dict.fromkeys(_ADDED_TO_NOTIFICATION), **sent}


def test_signup_sends_the_flat_input_the_readme_documents() -> None:
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```json\n(\{.*?\})\n```", readme, flags=re.DOTALL)
    assert block is not None
    documented = json.loads(block.group(1))
    inp = _decode(block.group(1).encode(), SwitchInput)
    assert inp.details == SwitchDetails(
        Fuel.ELECTRICITY, "1312345678907", MarketSector.DOMESTIC, date(2026, 12, 14)
    )
    encoded = _encode(inp)
    assert {k: v for k, v in encoded.items() if k in documented} == documented
    assert set(encoded) - set(documented) == {
        "reconciliations_per_run",
        "compensation_review_seconds",
    }
    for path, data in _started_inputs():
        payload = Payload(metadata={"encoding": b"json/plain"}, data=data)
        try:
            read_input(payload, CONVERTER, continued=True)
        except InvalidSwitchRequest:
            # The workflow refused it, and its history says so: it failed at once.
            last = json.loads(path.read_text())["events"][-1]["eventType"]
            assert last == "EVENT_TYPE_WORKFLOW_EXECUTION_FAILED", path.stem
            continue
        assert _encode(_decode(data, SwitchInput)).items() >= json.loads(data).items()


def test_the_state_travels_as_a_versioned_flat_record() -> None:
    state = _state()
    encoded = _encode(SwitchResult("sw-1", state.status, state))["state"]
    assert encoded["schema_version"] == SwitchState.SCHEMA_VERSION == 2
    assert (encoded["fuel"], encoded["shipper_id"], encoded["seen_message_ids"]) == (
        "GAS",
        "SHIP",
        ["m-1"],
    )
    assert "details" not in encoded
    carried = _encode(SwitchInput("sw-1", state.details, carried_state=state))["carried_state"]
    assert carried == encoded
    assert _decode(json.dumps(encoded).encode(), SwitchState) == state


def test_states_returned_before_the_version_was_written_still_decode() -> None:
    results = list(_payloads("EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED"))
    unversioned = [data for data in results if "schema_version" not in json.loads(data)["state"]]
    assert unversioned
    for data in results:
        written = json.loads(data)["state"]
        version = written.pop("schema_version", 1)
        state = _decode(data, SwitchResult).state
        upcast_written = upcast(written, version, SwitchState.SCHEMA_VERSION, SwitchState.UPCASTERS)
        assert {k: v for k, v in to_record(state).items() if k != "schema_version"} == (
            upcast_written
        )


def test_a_newer_state_is_refused_and_an_older_one_upcast(monkeypatch: pytest.MonkeyPatch) -> None:
    record = to_record(_state())
    with pytest.raises(ValueError, match=r"SwitchState record: v3 is newer than this code \(v2\)"):
        _decode(json.dumps({**record, "schema_version": 3}).encode(), SwitchState)

    def v2_to_v3(old: dict[str, Any]) -> dict[str, Any]:
        return {**old, "reason_code": "UPCAST"}

    monkeypatch.setattr(SwitchState, "SCHEMA_VERSION", 3)
    monkeypatch.setattr(SwitchState, "UPCASTERS", {**SwitchState.UPCASTERS, 2: v2_to_v3})
    upcast_state = _decode(json.dumps({**record, "schema_version": 2}).encode(), SwitchState)
    assert upcast_state == replace(_state(), reason_code="UPCAST")


def test_a_state_written_before_the_supply_date_rules_reads_with_their_fields_empty() -> None:
    written = {k: v for k, v in to_record(_state()).items() if k not in _ADDED_TO_STATE}
    written["schema_version"] = 1
    state = _decode(json.dumps(written).encode(), SwitchState)
    assert state == _state()
    assert (state.target_supply_start_date, state.unmatched_notifications) == (None, 0)


# --- activities ----------------------------------------------------------------------------


class RecordingCss:
    def __init__(self) -> None:
        self.requests: list[RegistrationRequest] = []

    async def submit_registration(self, request: RegistrationRequest) -> RegistrationAck:
        self.requests.append(request)
        return RegistrationAck("REG-1", request.message_id)

    async def withdraw_registration(
        self, registration_id: str, message_id: str, reason: str
    ) -> None:
        raise AssertionError("not called")

    async def get_registration(self, registration_id: str) -> RegistrationStatus:
        raise AssertionError("not called")


async def test_a_submission_scheduled_with_the_whole_state_is_still_sent_the_same() -> None:
    scheduled = list(_payloads("EVENT_TYPE_ACTIVITY_TASK_SCHEDULED", "submit_registration"))
    legacies = 0
    for data in scheduled:
        legacy = _decode(data, SubmitInput | LegacySubmitInput)
        if isinstance(legacy, SubmitInput):
            continue  # today's shape, sent as it is
        legacies += 1
        state = legacy.state
        assert state.supply_start_date is not None
        current = SubmitInput(
            legacy.message_id, legacy.sent_at, state.supply_start_date, state.details
        )
        assert (
            _decode(CONVERTER.to_payload(current).data, SubmitInput | LegacySubmitInput) == current
        )
        css = RecordingCss()
        activities = RegistrationActivities(css, "GAIN")
        await activities.submit_registration(legacy)
        await activities.submit_registration(current)
        old, new = css.requests
        assert old == new
        assert (new.mpxn, new.requested_supply_start_date) == (
            state.details.mpxn,
            state.supply_start_date,
        )
    assert legacies


def test_the_non_retryable_names_are_the_error_trees_own() -> None:
    css_leaves = {
        name
        for name, cls in vars(css_errors).items()
        if isinstance(cls, type) and issubclass(cls, css_errors.CssError)
    }
    not_retried = {name for name in css_leaves if not getattr(css_errors, name).retryable}
    assert set(CSS_NON_RETRYABLE) == not_retried - {"CssError"}
    assert set(STORE_NON_RETRYABLE) <= set(NON_RETRYABLE_ERRORS)
