"""`switching dev --demo N --exit-when-done` from a fresh data folder exits 0; a restarted
stack still holds every switch, the event store agrees with Temporal for each, the real
`temporal` CLI finds them by search attribute, and SIGTERM leaves nothing running."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from domain.lifecycle import Status
from tests.e2e.conftest import (
    BIN,
    DEMO_SIZE,
    TEST_CLOCK_SPEED,
    Ports,
    Stack,
    check_store_agrees_with_temporal,
    start_stack,
)

pytestmark = pytest.mark.e2e


async def _temporal_list(address: str, query: str) -> set[str]:
    process = await asyncio.create_subprocess_exec(
        str(BIN / "temporal"),
        *("workflow", "list", "--address", address, "--query", query, "--output", "jsonl"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    rows = [json.loads(line) for line in out.decode().splitlines() if line.strip()]
    return {row["execution"]["workflowId"] for row in rows}


async def _switching(*args: str, data: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("TEMPORAL_ADDRESS", "DATABASE_URL")}
    env.update(SWITCHING_DATA_DIR=str(data), COLUMNS="200")
    process = await asyncio.create_subprocess_exec(
        str(BIN / "switching"),
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_the_demo_runs_to_its_expected_outcomes_and_survives_a_restart(
    data_dir: Path, ports: Ports, stacks: list[Stack]
) -> None:
    demo = await start_stack(
        data_dir,
        ports,
        *("--demo", DEMO_SIZE, "--exit-when-done", "--clock-speed", TEST_CLOCK_SPEED),
        name="demo",
    )
    stacks.append(demo)
    await demo.ready()
    assert await demo.finished() == 0, demo.output()
    assert f"all {DEMO_SIZE} demo switches ended as expected" in demo.output()
    demo.assert_nothing_left()

    again = await start_stack(data_dir, ports, name="again")
    stacks.append(again)
    info = await again.ready()
    checked = await check_store_agrees_with_temporal(info, data_dir)
    outcomes = {item.result.status for item in checked}
    assert {Status.ACTIVE, Status.REJECTED, Status.OBJECTED, Status.WITHDRAWN} <= outcomes

    active = {item.switch.switch_id for item in checked if item.result.status is Status.ACTIVE}
    listed = await _temporal_list(info.temporal_address, "SwitchStatus='ACTIVE'")
    assert active <= listed
    demo_ids = {item.switch.switch_id for item in checked}
    assert listed & demo_ids == active

    # Operator commands find the running dev stack from the data folder alone.
    some_active = sorted(active)[0]
    status = await _switching("status", some_active, "--json", data=data_dir)
    report = json.loads(status)
    assert report["state"]["status"] == "ACTIVE"
    assert report["timeline"][-1]["detail"].startswith("kind=ACTIVE")
    assert some_active in await _switching("list", "--status", "ACTIVE", data=data_dir)

    # The stack's auditor certified the demo; the whole store verifies against it, as the
    # application role the operator commands use, with the exported checkpoints trusted.
    exported = data_dir / "audit" / "checkpoints"
    verified = await _switching("audit", "verify", "--checkpoints", str(exported), data=data_dir)
    assert "checkpoints: " in verified
    assert "verified against the pinned key (reference: exported checkpoints)" in verified
    assert "stored bodies re-verified" in verified

    assert await again.stop() == 0, again.output()
    again.assert_nothing_left()
