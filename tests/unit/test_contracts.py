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
from domain.events import NotificationApplied, SwitchRequested, event_from_record, event_to_record
from domain.identifiers import Fuel, MarketSector
from domain.lifecycle import NotificationKind, Status
from domain.notification import Notification
from domain.records import to_record
from domain.request import SwitchDetails
from domain.switch import SwitchState
from eventstore.errors import NON_RETRYABLE_ERRORS
from workflows.converter import DATA_CONVERTER
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
            assert event_to_record(event) == (record.type, record.data)
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
        assert _encode(notification) == json.loads(data)


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
    assert set(encoded) - set(documented) == {"reconciliations_per_run"}
    for data in _payloads("EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"):
        assert _encode(_decode(data, SwitchInput)).items() >= json.loads(data).items()


def test_the_state_travels_as_a_versioned_flat_record() -> None:
    state = _state()
    encoded = _encode(SwitchResult("sw-1", state.status, state))["state"]
    assert encoded["schema_version"] == SwitchState.SCHEMA_VERSION == 1
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
    assert results
    for data in results:
        written = json.loads(data)["state"]
        assert "schema_version" not in written
        state = _decode(data, SwitchResult).state
        assert {k: v for k, v in to_record(state).items() if k != "schema_version"} == written


def test_a_newer_state_is_refused_and_an_older_one_upcast(monkeypatch: pytest.MonkeyPatch) -> None:
    record = to_record(_state())
    with pytest.raises(ValueError, match=r"SwitchState record: v2 is newer than this code \(v1\)"):
        _decode(json.dumps({**record, "schema_version": 2}).encode(), SwitchState)

    def v1_to_v2(old: dict[str, Any]) -> dict[str, Any]:
        return {**old, "reason_code": "UPCAST"}

    monkeypatch.setattr(SwitchState, "SCHEMA_VERSION", 2)
    monkeypatch.setattr(SwitchState, "UPCASTERS", {1: v1_to_v2})
    upcast = _decode(json.dumps({**record, "schema_version": 1}).encode(), SwitchState)
    assert upcast == replace(_state(), reason_code="UPCAST")


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
    assert scheduled
    for data in scheduled:
        legacy = _decode(data, SubmitInput | LegacySubmitInput)
        assert isinstance(legacy, LegacySubmitInput)
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


def test_the_non_retryable_names_are_the_error_trees_own() -> None:
    css_leaves = {
        name
        for name, cls in vars(css_errors).items()
        if isinstance(cls, type) and issubclass(cls, css_errors.CssError)
    }
    not_retried = {name for name in css_leaves if not getattr(css_errors, name).retryable}
    assert set(CSS_NON_RETRYABLE) == not_retried - {"CssError"}
    assert set(STORE_NON_RETRYABLE) <= set(NON_RETRYABLE_ERRORS)
