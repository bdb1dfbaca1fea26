"""`switching dev` run as a real subprocess from a fresh data folder on free ports, and the
checks every end-to-end test makes of what it leaves behind.

The data folder lives outside pytest's basetemp (which pytest locks down to 0700 while the
embedded PostgreSQL runs as its own system user).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from temporalio.client import Client

from config import default_key_file
from devstack.demo import manifest
from devstack.demo.scenarios import DemoSwitch, plan_batch
from domain.switch import event_from_record, fold
from eventstore.model import RecordedEvent
from eventstore.postgres import PostgresEventStore
from ops.lockfile import StackInfo, running_stack
from privacy.codec import engine_codec
from tests.ports import free_port_run
from workflows.converter import data_converter
from workflows.messages import SwitchResult

BIN = Path(sys.executable).parent
#: Fast enough for a short test, slow enough that each withdrawal finds its moment.
TEST_CLOCK_SPEED = "10000"
DEMO_SIZE = "12"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@dataclass(frozen=True)
class Ports:
    temporal: int = field(default_factory=free_port)
    ui: int = field(default_factory=free_port)
    simulator: int = field(default_factory=free_port)
    receiver: int = field(default_factory=free_port)
    codec: int = field(default_factory=free_port)
    electricity_enquiry: int = field(default_factory=free_port)
    gas_enquiry: int = field(default_factory=free_port)
    #: The worker's; the receiver's and the codec server's follow.
    metrics: int = field(default_factory=lambda: free_port_run(3))

    def args(self) -> list[str]:
        return [
            *("--temporal-port", str(self.temporal)),
            *("--ui-port", str(self.ui)),
            *("--simulator-port", str(self.simulator)),
            *("--receiver-port", str(self.receiver)),
            *("--codec-port", str(self.codec)),
            *("--electricity-enquiry-port", str(self.electricity_enquiry)),
            *("--gas-enquiry-port", str(self.gas_enquiry)),
            *("--metrics-port", str(self.metrics)),
        ]


def _children(pid: int) -> set[int]:
    """Every live descendant of `pid`."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@dataclass
class Stack:
    """One `switching dev` process and what it started."""

    data: Path
    ports: Ports
    process: asyncio.subprocess.Process
    log: Path
    children: set[int] = field(default_factory=set)

    async def ready(self, seconds: float = 180) -> StackInfo:
        for _ in range(int(seconds * 5)):
            info = running_stack(self.data)
            if info is not None and info.ready:
                self.children |= _children(self.process.pid)
                return info
            if self.process.returncode is not None:
                break
            await asyncio.sleep(0.2)
        raise AssertionError(f"the stack did not come up:\n{self.output()}")

    async def printed(self, text: str, seconds: float = 240) -> None:
        """Until the stack's output shows `text`."""
        for _ in range(int(seconds * 5)):
            if text in self.output():
                return
            if self.process.returncode is not None:
                break
            await asyncio.sleep(0.2)
        raise AssertionError(f"the stack never printed {text!r}:\n{self.output()}")

    async def finished(self, seconds: float = 240) -> int:
        try:
            code = await asyncio.wait_for(self.process.wait(), timeout=seconds)
        except TimeoutError:
            self.process.kill()
            raise AssertionError(f"`switching dev` did not finish:\n{self.output()}") from None
        return code

    async def stop(self) -> int:
        self.children |= _children(self.process.pid)
        self.process.send_signal(signal.SIGTERM)
        return await self.finished(60)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def assert_nothing_left(self) -> None:
        left = [pid for pid in self.children if _alive(pid)]
        assert left == [], f"processes outlived the stack: {left}"
        for port in (self.ports.temporal, self.ports.ui, self.ports.receiver, self.ports.codec):
            assert port_free(port), f"port {port} still taken"
        assert not (self.data / "postgres" / "postmaster.pid").exists(), "PostgreSQL still runs"
        assert running_stack(self.data) is None


@pytest.fixture
def data_dir() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="switching-e2e-"))
    yield folder / "data"
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def ports() -> Ports:
    return Ports()


async def start_stack(data: Path, ports: Ports, *args: str, name: str = "stack") -> Stack:
    data.mkdir(parents=True, exist_ok=True)
    log = data.parent / f"{name}.log"
    env = {**os.environ, "COLUMNS": "160"}
    for name_ in ("TEMPORAL_ADDRESS", "DATABASE_URL", "SWITCHING_DATA_DIR"):
        env.pop(name_, None)
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            str(BIN / "switching"),
            "dev",
            "--data-dir",
            str(data),
            *ports.args(),
            *args,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
            env=env,
        )
    return Stack(data, ports, process, log)


@pytest.fixture
async def stacks() -> AsyncIterator[list[Stack]]:
    """Stacks a test started; any still running at the end is stopped."""
    started: list[Stack] = []
    yield started
    for stack in started:
        if stack.process.returncode is None:
            await stack.stop()


async def stack_client(info: StackInfo, data: Path) -> Client:
    """A client of the stack's Temporal with the stack's own payload codec."""
    codec = engine_codec(default_key_file(data))
    return await Client.connect(info.temporal_address, data_converter=data_converter(codec))


def demo_switches(data: Path) -> list[DemoSwitch]:
    batch = manifest.load(data)
    assert batch is not None, "the demo wrote no manifest"
    return plan_batch(batch.batch_id, batch.size)


@dataclass(frozen=True)
class Checked:
    switch: DemoSwitch
    result: SwitchResult
    events: list[RecordedEvent]


async def check_store_agrees_with_temporal(info: StackInfo, data: Path) -> list[Checked]:
    """Each demo switch ended as its scenario expects, and its stream runs 1..n, holds each
    key and CSS message once, and folds to exactly the state Temporal returned."""
    client = await stack_client(info, data)
    store = await PostgresEventStore.connect(info.database_url, min_size=1, max_size=2)
    checked: list[Checked] = []
    try:
        for switch in demo_switches(data):
            handle = client.get_workflow_handle(switch.switch_id, result_type=SwitchResult)
            result = await asyncio.wait_for(handle.result(), timeout=30)
            assert result.status is switch.scenario.expected, switch.switch_id
            events = await store.read_stream(switch.switch_id)
            assert [e.version for e in events] == list(range(1, len(events) + 1))
            keys = [e.idempotency_key for e in events]
            assert len(set(keys)) == len(keys), f"{switch.switch_id}: a key recorded twice"
            messages = [
                e.metadata["css_message_id"] for e in events if "css_message_id" in e.metadata
            ]
            assert len(set(messages)) == len(messages), f"{switch.switch_id}: a message twice"
            folded = fold([event_from_record(e.type, e.data, e.schema_version) for e in events])
            assert folded == result.state, switch.switch_id
            checked.append(Checked(switch, result, events))
    finally:
        await store.close()
    return checked
