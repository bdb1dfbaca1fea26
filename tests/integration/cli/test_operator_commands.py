"""Operator commands: one clear line and a distinct exit status for every failure, and a
start / status / list / withdraw round trip against a running engine."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import pytest

from tests.integration.cli.conftest import (
    Run,
    RunningEngine,
    base_env,
    free_port,
    switching,
)

VALID_MPAN = "1312345678907"
BAD_CHECK_DIGIT = "1312345678900"


def assert_one_line_error(run: Run, code: int, *fragments: str) -> None:
    assert run.code == code, (run.stdout, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in run.stderr + run.stdout
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture
def no_engine(tmp_path: Path) -> dict[str, str]:
    """Temporal "at" a port nothing listens on."""
    return base_env(tmp_path, TEMPORAL_ADDRESS=f"127.0.0.1:{free_port()}")


async def test_a_bad_mpan_is_refused_before_any_engine_is_needed(
    no_engine: dict[str, str],
) -> None:
    run = await switching(
        "start", "--switch-id", "S-1", "--fuel", "ELECTRICITY", "--mpxn", BAD_CHECK_DIGIT,
        env=no_engine,
    )  # fmt: skip
    assert_one_line_error(run, 2, "MPAN", "check digit")


async def test_a_bad_request_file_is_refused_naming_the_problem(
    no_engine: dict[str, str], tmp_path: Path
) -> None:
    not_json = tmp_path / "broken.json"
    not_json.write_text("{switch_id: ")
    run = await switching("start", "--file", str(not_json), env=no_engine)
    assert_one_line_error(run, 2, "is not JSON")

    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps({"switch_id": "S-2", "fuel": "GAS", "mpxn": "1", "name": "x"}))
    run = await switching("start", "--file", str(unknown), env=no_engine)
    assert_one_line_error(run, 2, "unknown field(s) name")


async def test_flags_and_a_file_together_are_refused(
    no_engine: dict[str, str], tmp_path: Path
) -> None:
    run = await switching(
        "start", "--switch-id", "S-3", "--fuel", "GAS", "--mpxn", "1",
        "--file", str(tmp_path / "x.json"),
        env=no_engine,
    )  # fmt: skip
    assert_one_line_error(run, 2, "not both")


@pytest.mark.parametrize(
    "args",
    [
        ("list",),
        ("status", "S-4"),
        ("withdraw", "S-4", "--reason", "customer cancelled"),
        ("waive", "S-4", "--reason", "customer asked for the later date"),
        ("start", "--switch-id", "S-4", "--fuel", "ELECTRICITY", "--mpxn", VALID_MPAN),
    ],
    ids=["list", "status", "withdraw", "waive", "start"],
)
async def test_every_command_says_when_the_engine_is_not_running(
    no_engine: dict[str, str], args: tuple[str, ...]
) -> None:
    run = await switching(*args, env=no_engine)
    address = no_engine["TEMPORAL_ADDRESS"]
    assert_one_line_error(run, 3, f"cannot reach Temporal at {address}", "switching dev")


async def test_an_unknown_status_filter_is_refused(no_engine: dict[str, str]) -> None:
    run = await switching("list", "--status", "FINISHED", env=no_engine)
    assert_one_line_error(run, 2, "unknown status 'FINISHED'", "PENDING")


async def test_an_empty_withdrawal_or_waiver_reason_is_refused(no_engine: dict[str, str]) -> None:
    run = await switching("withdraw", "S-5", "--reason", "  ", env=no_engine)
    assert_one_line_error(run, 2, "a withdrawal needs a reason")
    run = await switching("waive", "S-5", "--reason", "", env=no_engine)
    assert_one_line_error(run, 2, "a waiver needs a reason")


async def test_an_unknown_switch_id_is_named(running_engine: RunningEngine) -> None:
    env = running_engine.env
    for args in (("status", "no-such-switch"), ("withdraw", "no-such-switch", "--reason", "r")):
        run = await switching(*args, env=env)
        assert_one_line_error(run, 4, "no switch with id 'no-such-switch'")


async def _listed(env: dict[str, str], status: str, switch_id: str) -> Run:
    # Visibility is updated asynchronously after the workflow task that upserts it.
    for _ in range(50):
        run = await switching("list", "--status", status, env=env)
        if switch_id in run.stdout:
            return run
        await asyncio.sleep(0.2)
    raise AssertionError(f"{switch_id} never listed as {status}: {run.stdout}")


async def test_start_status_list_and_withdraw_a_switch(running_engine: RunningEngine) -> None:
    env = running_engine.env
    switch_id = f"cli-{uuid.uuid4().hex[:8]}"
    start = ("start", "--switch-id", switch_id, "--fuel", "electricity", "--mpxn", VALID_MPAN)

    run = await switching(*start, env=env)
    assert run.code == 0, run.stderr
    assert f"started switch {switch_id}" in run.stdout
    again = await switching(*start, env=env)
    assert again.code == 0, again.stderr
    assert f"switch {switch_id} already exists" in again.stdout

    await _listed(env, "REQUESTED", switch_id)
    run = await switching("withdraw", switch_id, "--reason", "customer cancelled", env=env)
    assert run.code == 0, run.stderr
    assert "WITHDRAWN" in run.stdout
    assert "CSS was not told" in run.stdout
    assert running_engine.css.requests == []

    refused = await switching("withdraw", switch_id, "--reason", "again", env=env)
    assert_one_line_error(refused, 5, f"switch {switch_id} has ended (WITHDRAWN)")
    refused = await switching("waive", switch_id, "--reason", "goodwill", env=env)
    assert_one_line_error(refused, 5, f"switch {switch_id} has ended (WITHDRAWN); nothing to waive")

    run = await switching("status", switch_id, "--json", env=env)
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["state"]["status"] == "WITHDRAWN"
    assert report["execution"] == "COMPLETED"
    assert [entry["type"] for entry in report["timeline"]] == ["SwitchRequested", "SwitchWithdrawn"]
    assert "reason=customer cancelled" in report["timeline"][1]["detail"]

    listed = await _listed(env, "WITHDRAWN", switch_id)
    assert "ELECTRICITY" in listed.stdout


async def test_status_shows_state_deadlines_and_timeline_for_people(
    running_engine: RunningEngine,
) -> None:
    env = running_engine.env
    switch_id = f"cli-{uuid.uuid4().hex[:8]}"
    request = {
        "switch_id": switch_id,
        "fuel": "GAS",
        "mpxn": "3938424403",
        "shipper_id": "SHIP",
        "market_sector": "N",
    }
    file = Path(env["SWITCHING_DATA_DIR"]) / "switch.json"
    file.write_text(json.dumps(request))
    run = await switching("start", "--file", str(file), env=env)
    assert run.code == 0, run.stderr

    refused = await switching("waive", switch_id, "--reason", "goodwill", env=env)
    assert_one_line_error(refused, 5, "no compensation is owed")

    run = await switching("status", switch_id, env=env)
    assert run.code == 0, run.stderr
    assert switch_id in run.stdout
    assert "REQUESTED (workflow running)" in run.stdout
    assert "GAS / N" in run.stdout
    assert "timeline (event store)" in run.stdout
    assert "SwitchRequested" in run.stdout
