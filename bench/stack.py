"""The engine assembled for the switches benchmark, all on loopback.

The Temporal dev server (in memory, every search attribute defined), a fresh migrated
database, a dev PKI, the receiver and the CSS simulator (zero validation delay, a fast
clock) run in this process; each worker (the switch worker, or the bare ceiling worker)
runs as its own child process, as in production, so its peak memory is its own.

`encrypted` says whether the stack's every client and worker use the payload codec (as the
engine always does) or none (the baseline that shows what encryption costs).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from bench.database import fresh_database
from config import default_key_file
from css.pki import init_pki
from devstack import supervisor
from devstack.children import Child, ChildSpec, spawn
from devstack.errors import StackError
from eventstore.postgres import PostgresEventStore
from privacy.codec import engine_codec
from privacy.keys import create_key_file
from readmodels.registrations import RegistrationDirectory
from receiver.postgres import PostgresDeliveryLedger
from receiver.server import Receiver, ReceiverParts, ReceiverSettings
from receiver.temporal import TemporalSink
from simulator import LifecycleSettings, RunningSimulator, SimulatorConfig, running_simulator
from workflows import search_attributes
from workflows.converter import data_converter

GAINING_SUPPLIER_ID = "GAIN"


@dataclass(frozen=True)
class Stack:
    client: Client
    address: str
    store: PostgresEventStore
    database_url: str
    folder: Path
    simulator: RunningSimulator
    encrypted: bool

    @property
    def pki_dir(self) -> Path:
        return self.folder / "pki"


def temporal_binary() -> str:
    try:
        return supervisor.temporal_binary()
    except StackError as missing:
        # The bench command reports RuntimeErrors as one line.
        raise RuntimeError(str(missing)) from None


@asynccontextmanager
async def engine_stack(
    server_url: str, clock_speed: float, *, encrypted: bool = True
) -> AsyncIterator[Stack]:
    folder = Path(tempfile.mkdtemp(prefix="switching-bench-"))
    async with _removed_unless_failed(folder):
        await asyncio.to_thread(init_pki, folder / "pki")
        # The workers read it as the dev stack's, from SWITCHING_DATA_DIR.
        create_key_file(default_key_file(folder))
        async with _running(folder, server_url, clock_speed, encrypted) as stack:
            yield stack


@asynccontextmanager
async def _removed_unless_failed(folder: Path) -> AsyncIterator[None]:
    """A failed run leaves its folder (worker logs) for reading; a good one leaves nothing."""
    try:
        yield
    except BaseException:
        sys.stderr.write(f"benchmark files (worker logs) kept in {folder}\n")
        raise
    shutil.rmtree(folder, ignore_errors=True)


@asynccontextmanager
async def _running(
    folder: Path, server_url: str, clock_speed: float, encrypted: bool
) -> AsyncIterator[Stack]:
    url = await fresh_database(server_url, "bench_sw")
    codec = engine_codec(default_key_file(folder)) if encrypted else None
    async with AsyncExitStack() as exits:
        environment = await WorkflowEnvironment.start_local(
            data_converter=data_converter(codec),
            dev_server_existing_path=temporal_binary(),
            dev_server_extra_args=search_attributes.dev_server_flags(),
        )
        await exits.enter_async_context(environment)
        client = environment.client
        await search_attributes.register(client)
        store = await PostgresEventStore.connect(url, min_size=2, max_size=20)
        exits.push_async_callback(store.close)
        parts = ReceiverParts(
            store=store,
            ledger=PostgresDeliveryLedger(store.pool),
            directory=RegistrationDirectory(store, store.pool),
            sink=TemporalSink.for_client(client),
        )
        receiver = Receiver(ReceiverSettings("127.0.0.1", 0, folder / "pki"), parts)
        await exits.enter_async_context(receiver)
        config = SimulatorConfig(
            pki_dir=folder / "pki",
            port=0,
            receiver_url=receiver.base_url,
            clock_speed=clock_speed,
            lifecycle=LifecycleSettings(validation_delay=timedelta(0)),
        )
        simulator = await exits.enter_async_context(running_simulator(config))
        address = client.service_client.config.target_host
        yield Stack(client, address, store, url, folder, simulator, encrypted)


@asynccontextmanager
async def child_worker(
    stack: Stack, name: str, argv: Sequence[str], task_queue: str
) -> AsyncIterator[Child]:
    env = dict(os.environ)
    env.update(
        {
            "SWITCHING_DATA_DIR": str(stack.folder),
            "DATABASE_URL": stack.database_url,
            "TEMPORAL_ADDRESS": stack.address,
            "SWITCHING_TASK_QUEUE": task_queue,
            "CSS_URL": stack.simulator.base_url,
            "GAINING_SUPPLIER_ID": GAINING_SUPPLIER_ID,
            "PYTHONUNBUFFERED": "1",
        }
    )
    child = spawn(ChildSpec(name, [sys.executable, *argv], env, stack.folder / f"{name}.log"))
    try:
        yield child
    finally:
        await child.stop()


def peak_memory_mib(pid: int) -> float | None:
    """The process's peak resident set (VmHWM), or None once it has gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None
