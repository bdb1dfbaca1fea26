"""The `switching` command run as a real subprocess against a real Temporal dev server,
a real PostgreSQL event store and a worker built by `worker.build_worker` (CSS is the
in-memory fake behind the activities' own interface)."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from eventstore.postgres import PostgresEventStore
from tests.codec import TEST_CONVERTER, TEST_KEY_FILE
from tests.integration.workflow.fake_css import FakeCss
from worker import build_worker
from workflows import search_attributes

BIN = Path(sys.executable).parent
SWITCHING = BIN / "switching"


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


async def switching(*args: str, env: dict[str, str]) -> Run:
    """Run the CLI without blocking the loop, so an in-process worker keeps serving it."""
    process = await asyncio.create_subprocess_exec(
        str(SWITCHING),
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return Run(process.returncode, out.decode(), err.decode())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def base_env(data_dir: Path, **values: str) -> dict[str, str]:
    """The parent's environment minus anything that points at another engine."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("TEMPORAL_ADDRESS", "DATABASE_URL", "SWITCHING_TASK_QUEUE")
    }
    # An empty data folder: no dev stack to fall back on.
    env["SWITCHING_DATA_DIR"] = str(data_dir)
    env["COLUMNS"] = "200"
    env["SWITCHING_KEY_FILE"] = str(TEST_KEY_FILE)
    env.update(values)
    return env


@pytest.fixture(scope="session")
async def dev_server() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        data_converter=TEST_CONVERTER,
        dev_server_existing_path=str(BIN / "temporal"),
        dev_server_extra_args=search_attributes.dev_server_flags(),
    )
    yield env
    await env.shutdown()


@dataclass(frozen=True)
class RunningEngine:
    env: dict[str, str]
    task_queue: str
    css: FakeCss


@pytest.fixture
async def running_engine(
    dev_server: WorkflowEnvironment,
    event_store: PostgresEventStore,
    fresh_database_url: str,
    tmp_path: Path,
) -> AsyncIterator[RunningEngine]:
    task_queue = f"cli-test-{uuid.uuid4().hex[:8]}"
    css = FakeCss()
    worker = build_worker(
        dev_server.client,
        store=event_store,
        css=css,
        gaining_supplier_id="GAIN",
        task_queue=task_queue,
    )
    env = base_env(
        tmp_path,
        TEMPORAL_ADDRESS=dev_server.client.service_client.config.target_host,
        DATABASE_URL=fresh_database_url,
        SWITCHING_TASK_QUEUE=task_queue,
    )
    async with worker:
        yield RunningEngine(env, task_queue, css)
