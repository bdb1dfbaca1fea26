"""Starting switches: validated at the door, and one switch per switch id."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from temporalio.service import RPCError, RPCStatusCode

from domain.lifecycle import Status
from tests.integration.workflow.conftest import Engine
from workflows.signup import (
    InvalidSwitchRequest,
    SwitchRequest,
    request_switch,
    validate_request,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday


def request(**changes: object) -> SwitchRequest:
    fields: dict[str, object] = {
        "switch_id": "sw-1",
        "fuel": "electricity",
        "mpxn": "1312345678907",
    }
    fields.update(changes)
    return SwitchRequest(**fields)  # type: ignore[arg-type]


class TestValidation:
    def test_a_good_request_is_normalised(self) -> None:
        details = validate_request(request(mpxn="13 1234 5678 907"), now=NOW).details
        assert (details.mpxn, details.fuel.value, details.market_sector.value) == (
            "1312345678907",
            "ELECTRICITY",
            "D",
        )

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"mpxn": "1312345678901"}, "check digit is wrong: expected 7, got 1"),
            ({"fuel": "coal"}, "fuel 'coal' is not one of ELECTRICITY, GAS"),
            ({"switch_id": "Jane Smith"}, "switch_id 'Jane Smith' must be"),
            ({"market_sector": "X"}, "market_sector 'X' is not one of D, N"),
            ({"requested_supply_start_date": date(2027, 1, 30)}, "28 days"),
            ({"requested_supply_start_date": date(2026, 11, 20)}, "past"),
            ({"fuel": "gas", "mpxn": "3938424403"}, "shipper_id is required"),
        ],
    )
    def test_bad_requests_say_what_is_wrong(self, changes: dict[str, object], message: str) -> None:
        with pytest.raises(InvalidSwitchRequest, match=message):
            validate_request(request(**changes), now=NOW)


async def test_bad_input_starts_nothing(engine: Engine) -> None:
    with pytest.raises(InvalidSwitchRequest):
        await request_switch(engine.env.client, request(switch_id="sw-bad", mpxn="12"))
    with pytest.raises(RPCError) as missing:
        await engine.env.client.get_workflow_handle("sw-bad").describe()
    assert missing.value.status is RPCStatusCode.NOT_FOUND


async def test_starting_the_same_switch_twice_returns_the_existing_one(engine: Engine) -> None:
    first = await request_switch(
        engine.env.client, request(switch_id="sw-twice"), task_queue=engine.task_queue
    )
    second = await request_switch(
        engine.env.client, request(switch_id="sw-twice"), task_queue=engine.task_queue
    )
    engine.track(first)
    assert second.id == first.id
    assert second.result_run_id == first.result_run_id
    await engine.env.sleep(timedelta(minutes=11))
    state = await engine.wait_for(first, lambda s: s.status is Status.SUBMITTED)
    assert engine.css.registrations == 1
    assert state.switch_id == "sw-twice"
