"""The workflow's own reading of its start input: raw JSON in, a checked `SwitchInput` out.

A signup service in any language starts `SwitchWorkflow` with one JSON payload. Decoding it
into a dataclass before the workflow runs would turn a missing field into a workflow task
that fails forever ("Failed decoding arguments"), and would let an invalid meter point
through to CSS. So the workflow takes the payload raw and reads it here, deterministically;
the one check that needs the holiday table (the requested supply start date) runs as an
activity, so its verdict is recorded. Every refusal names the field and the rule.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.api.common.v1 import Payload
from temporalio.common import RawValue
from temporalio.converter import PayloadConverter
from temporalio.exceptions import ApplicationError

from domain.switch import RequestSwitch
from domain.switch_request import InvalidSwitchRequest, fields_from_json
from workflows import calls
from workflows.messages import SwitchInput

JSON_ENCODING = b"json/plain"


async def start_input(raw: RawValue, checked: bool) -> SwitchInput:
    """Workflow code: the run's input; when `checked`, refused at once if invalid.

    A refusal fails the workflow, not its task (`InvalidSwitchInput`, not retryable), before
    anything is recorded or sent. Runs that began before these checks decode as they did.
    """
    converter = workflow.payload_converter()
    if not checked:
        decoded: SwitchInput = converter.from_payload(raw.payload, SwitchInput)
        return decoded
    try:
        continued = workflow.info().continued_run_id is not None
        inp = read_input(raw.payload, converter, continued)
        ssd = inp.details.requested_supply_start_date
        if inp.carried_state is None and ssd is not None:
            reaches_css = workflow.now() + timedelta(seconds=inp.withdrawal_window_seconds)
            sector = inp.details.market_sector
            refusal = await calls.supply_start_date_refusal(reaches_css, sector, ssd)
            if refusal is not None:
                raise InvalidSwitchRequest(
                    "requested_supply_start_date", f"requested_supply_start_date: {refusal}"
                )
    except InvalidSwitchRequest as invalid:
        raise ApplicationError(
            f"invalid input: {invalid}",
            invalid.field,
            type="InvalidSwitchInput",
            non_retryable=True,
        ) from None
    return inp


def read_input(payload: Payload, converter: PayloadConverter, continued: bool) -> SwitchInput:
    """The checked input of a start, or of the workflow's own continue-as-new."""
    raw = _json_object(payload)
    if raw.get("carried_state") is not None:
        if not continued:
            raise InvalidSwitchRequest(
                "carried_state",
                "carried_state must be null: it is set only by the workflow's own continue-as-new",
            )
        # Written by this workflow's previous run, so its full typed decoding is trusted.
        carried: SwitchInput = converter.from_payload(payload, SwitchInput)
        return carried
    checked = fields_from_json(raw)
    return SwitchInput(
        switch_id=checked.switch_id,
        details=checked.details,
        withdrawal_window_seconds=_seconds(raw, "withdrawal_window_seconds"),
        reconcile_grace_seconds=_seconds(raw, "reconcile_grace_seconds", positive=True),
        reconciliations_per_run=_count(raw, "reconciliations_per_run"),
        compensation_review_seconds=_seconds(raw, "compensation_review_seconds"),
    )


def _json_object(payload: Payload) -> Mapping[str, object]:
    encoding = payload.metadata.get("encoding", b"")
    if encoding != JSON_ENCODING:
        raise InvalidSwitchRequest(
            "input",
            f"input must be one JSON payload (encoding json/plain), got encoding "
            f"{encoding.decode(errors='replace')!r}",
        )
    try:
        raw = json.loads(payload.data)
    except ValueError as error:
        raise InvalidSwitchRequest("input", f"input is not valid JSON: {error}") from None
    if not isinstance(raw, dict):
        raise InvalidSwitchRequest(
            "input", f"input must be a JSON object, got {type(raw).__name__}"
        )
    return raw


def _seconds(raw: Mapping[str, object], field: str, *, positive: bool = False) -> float:
    value = raw.get(field)
    if value is None:
        default: float = getattr(SwitchInput, field)
        return default
    # bool is an int in Python, but true is not a number of seconds.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidSwitchRequest(field, f"{field} must be a number of seconds, got {value!r}")
    if value < 0 or (positive and value == 0):
        bound = "more than 0" if positive else "0 or more"
        raise InvalidSwitchRequest(field, f"{field} must be {bound}, got {value!r}")
    return float(value)


def _count(raw: Mapping[str, object], field: str) -> int:
    value = raw.get(field)
    if value is None:
        default: int = getattr(SwitchInput, field)
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidSwitchRequest(field, f"{field} must be a whole number >= 1, got {value!r}")
    return value


def request_command(inp: SwitchInput, now: datetime) -> RequestSwitch:
    """The decider's command recording a checked start."""
    return RequestSwitch(inp.switch_id, inp.details, now)
