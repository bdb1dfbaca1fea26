"""Kill the stack outright in the middle of the demo, start it again, and every switch still
finishes as expected with nothing lost or recorded twice.

CSS is not part of our engine and does not restart with it: the simulator runs on its own
here (`--css-url`), keeps its registrations, and retries its pushes while our receiver is
down, as the real CSS would.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.service import RPCError

from css.pki import init_pki
from devstack.demo.css_control import SimulatorControl
from domain.lifecycle import TERMINAL, Status
from eventstore.postgres import PostgresEventStore
from ops.lockfile import StackInfo
from receiver.ledger import DeliveryStatus
from receiver.postgres import PostgresDeliveryLedger
from receiver.records import inbound_stream
from tests.e2e.conftest import (
    BIN,
    DEMO_SIZE,
    TEST_CLOCK_SPEED,
    Checked,
    Ports,
    Stack,
    _alive,
    _children,
    check_store_agrees_with_temporal,
    demo_switches,
    port_free,
    stack_client,
    start_stack,
)
from workflows import search_attributes as sa

pytestmark = pytest.mark.e2e

_VALIDATED = {Status.PENDING, Status.OBJECTION_RECEIVED, Status.CONFIRMED, Status.SECURED}


async def _simulator(data: Path, ports: Ports) -> asyncio.subprocess.Process:
    log = (data.parent / "simulator.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        str(BIN / "switching"),
        "simulator",
        *("--port", str(ports.simulator)),
        *("--receiver-url", f"https://127.0.0.1:{ports.receiver}"),
        *("--pki-dir", str(data / "pki")),
        *("--clock-speed", TEST_CLOCK_SPEED),
        stdout=log,
        stderr=asyncio.subprocess.STDOUT,
    )
    log.close()
    for _ in range(300):
        if not port_free(ports.simulator):
            return process
        assert process.returncode is None, (data.parent / "simulator.log").read_text()
        await asyncio.sleep(0.1)
    raise AssertionError("the simulator did not start listening")


async def _status(client: Client, switch_id: str) -> Status | None:
    try:
        described = await client.get_workflow_handle(switch_id).describe()
    except RPCError:
        return None  # not started yet
    value = described.typed_search_attributes.get(sa.SWITCH_STATUS)
    return Status(value) if value else None


async def _until_mid_demo(client: Client, data: Path) -> None:
    """Wait until some demo switches have finished and several are still under way."""
    for _ in range(600):
        if (data / "demo" / "batch.json").exists():
            statuses = [await _status(client, switch.switch_id) for switch in demo_switches(data)]
            done = sum(1 for status in statuses if status in TERMINAL)
            underway = sum(1 for status in statuses if status not in TERMINAL and status)
            validated = sum(1 for status in statuses if status in _VALIDATED)
            if done >= 2 and underway >= 4 and validated >= 2:
                return
        await asyncio.sleep(0.2)
    raise AssertionError("the demo never reached its middle")


async def _kill(stack: Stack) -> None:
    stack.children |= _children(stack.process.pid)
    stack.process.send_signal(signal.SIGKILL)
    assert await stack.finished(30) == -signal.SIGKILL
    # The kernel tells every child its parent died; each then stops on its own.
    for _ in range(300):
        if not any(_alive(pid) for pid in stack.children):
            break
        await asyncio.sleep(0.1)
    assert [pid for pid in stack.children if _alive(pid)] == []
    assert port_free(stack.ports.temporal)
    assert port_free(stack.ports.receiver)


async def _every_notification_kept_once(
    info: StackInfo, checked: list[Checked], deliveries: list[dict[str, Any]]
) -> None:
    """Each notification CSS saw acknowledged is stored once as received, and is applied
    once in its switch's stream, unless the switch had already finished when it came (the
    receiver then marks it moot: stored, nothing to tell)."""
    applied = {
        item.result.state.registration_id: {e.metadata.get("css_message_id") for e in item.events}
        for item in checked
        if item.result.state.registration_id is not None
    }
    ours = [d for d in deliveries if d["registration_id"] in applied]
    assert any(d["duplicate"] for d in ours), "CSS sent no copies to test with"
    store = await PostgresEventStore.connect(info.database_url, min_size=1, max_size=2)
    try:
        ledger = PostgresDeliveryLedger(store.pool)
        for delivery in ours:
            message_id, registration_id = delivery["message_id"], delivery["registration_id"]
            raw = await store.read_stream(inbound_stream(registration_id))
            assert [e.idempotency_key for e in raw].count(message_id) == 1, message_id
            if message_id not in applied[registration_id]:
                row = await ledger.get(message_id)
                assert row is not None, message_id
                assert row.status is DeliveryStatus.MOOT, (message_id, row)
        open_rows = await ledger.list([DeliveryStatus.PENDING, DeliveryStatus.UNROUTED])
        assert [row for row in open_rows if row.registration_id in applied] == []
    finally:
        await store.close()


async def test_a_stack_killed_mid_demo_finishes_every_switch_after_a_restart(
    data_dir: Path, ports: Ports, stacks: list[Stack]
) -> None:
    init_pki(data_dir / "pki")
    simulator = await _simulator(data_dir, ports)
    css = ["--css-url", f"https://127.0.0.1:{ports.simulator}"]
    demo = [*("--demo", DEMO_SIZE, "--exit-when-done", "--clock-speed", TEST_CLOCK_SPEED), *css]
    try:
        first = await start_stack(data_dir, ports, *demo, name="first")
        stacks.append(first)
        info = await first.ready()
        client = await stack_client(info, data_dir)
        await _until_mid_demo(client, data_dir)
        await _kill(first)

        second = await start_stack(data_dir, ports, *demo, name="second")
        stacks.append(second)
        assert await second.finished() == 0, second.output()
        batch = demo_switches(data_dir)[0].switch_id.split("-")[1]
        assert f"resuming demo batch {batch}" in second.output()
        assert f"all {DEMO_SIZE} demo switches ended as expected" in second.output()
        second.assert_nothing_left()

        check = await start_stack(data_dir, ports, *css, name="check")
        stacks.append(check)
        check_info = await check.ready()
        checked = await check_store_agrees_with_temporal(check_info, data_dir)
        async with SimulatorControl(f"https://127.0.0.1:{ports.simulator}", data_dir / "pki") as c:
            deliveries = await c.deliveries()
        await _every_notification_kept_once(check_info, checked, deliveries)
        assert await check.stop() == 0, check.output()
        check.assert_nothing_left()
    finally:
        simulator.send_signal(signal.SIGTERM)
        await asyncio.wait_for(simulator.wait(), timeout=30)
