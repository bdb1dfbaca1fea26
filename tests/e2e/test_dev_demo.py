"""`switching dev --demo N` from a fresh data folder plays every switch to its expected end,
and each process's `/metrics` counts what the batch did; a restarted stack still holds every
switch, the event store agrees with Temporal for each, the real
`temporal` CLI finds them by search attribute and decodes them through the stack's codec
server, no demo customer's address is found in clear in any log, event or stored history,
and SIGTERM leaves nothing running."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest
from temporalio.client import Client

from devstack.demo import customers
from domain.lifecycle import Status
from ops.lockfile import StackInfo
from tests.e2e.conftest import (
    BIN,
    DEMO_SIZE,
    TEST_CLOCK_SPEED,
    Ports,
    Stack,
    check_store_agrees_with_temporal,
    demo_switches,
    stack_client,
    start_stack,
)
from tests.e2e.metrics_check import metrics_agree_with_the_demo
from tests.e2e.privacy_scan import event_texts, leaks, log_texts, raw_history_texts
from tests.temporal_cli import temporal, texts

pytestmark = pytest.mark.e2e


async def _temporal_list(address: str, query: str) -> set[str]:
    out = await temporal(
        *("workflow", "list", "--address", address, "--query", query, "--output", "jsonl")
    )
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
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
        *("--demo", DEMO_SIZE, "--clock-speed", TEST_CLOCK_SPEED),
        name="demo",
    )
    stacks.append(demo)
    first = await demo.ready()
    await demo.printed(f"all {DEMO_SIZE} demo switches ended as expected")
    await demo.printed("all 5 demo losses ended as expected")
    # Scraped while the stack that played the batch still runs: its counters hold it all.
    await metrics_agree_with_the_demo(first, data_dir, ports)
    assert await demo.stop() == 0, demo.output()
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

    await _no_personal_data_in_clear(info, data_dir, demo, again)
    shown = await _temporal_show(info.temporal_address, some_active, data_dir, ports)
    switch = next(item.switch for item in checked if item.switch.switch_id == some_active)
    assert customers.supply_address(switch) in shown, "the codec server opens the memo"
    assert switch.mpxn in shown

    assert await again.stop() == 0, again.output()
    again.assert_nothing_left()


async def _no_personal_data_in_clear(info: StackInfo, data: Path, *stacks: Stack) -> None:
    switches = demo_switches(data)
    addresses = [customers.supply_address(switch) for switch in switches]
    plain = await Client.connect(info.temporal_address)
    texts = {
        **log_texts(data / "logs", *(stack.log for stack in stacks)),
        **await event_texts(info.database_url),
        **await raw_history_texts(plain, [switch.switch_id for switch in switches]),
    }
    assert len(texts) > len(switches), "the scan read the logs, events and histories"
    assert leaks(addresses, texts) == []
    # The scan is meaningful: the same histories decode to the sealed addresses.
    client = await stack_client(info, data)
    described = await client.get_workflow_handle(switches[0].switch_id).describe()
    sealed = (await described.memo())["customer"]["supply_address"]
    assert set(sealed) == {"customer_ref", "key_id", "nonce", "ciphertext"}


async def _temporal_show(address: str, workflow_id: str, data: Path, ports: Ports) -> str:
    token = (data / "keys" / "codec-token").read_text().strip()
    out = await temporal(
        *("workflow", "show", "-w", workflow_id, "--address", address, "--output", "json"),
        *("--codec-endpoint", f"http://127.0.0.1:{ports.codec}/{{namespace}}"),
        *("--codec-auth", f"Bearer {token}"),
    )
    return " ".join(texts(json.loads(out)))
