"""Every command finds a dev stack started on ports of its own: what the environment does
not say, the stack's lock file does."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.lock import StackLock
from ops.lockfile import StackInfo
from tests.integration.cli.conftest import RunningEngine, base_env, switching
from tests.integration.cli.test_operator_commands import VALID_MPAN


@pytest.fixture
def stack_folder(running_engine: RunningEngine, tmp_path: Path) -> Iterator[Path]:
    """A data folder a live stack holds, publishing the running engine's addresses."""
    folder = tmp_path / "stack"
    lock = StackLock(folder)
    lock.acquire()
    lock.publish(
        StackInfo(
            pid=os.getpid(),
            temporal_address=running_engine.env["TEMPORAL_ADDRESS"],
            database_url=running_engine.env["DATABASE_URL"],
            ready=True,
        )
    )
    yield folder
    lock.release()


async def test_status_and_audit_show_find_a_stack_on_non_default_ports(
    running_engine: RunningEngine, stack_folder: Path
) -> None:
    address = running_engine.env["TEMPORAL_ADDRESS"]
    assert not address.endswith(":7233")
    switch_id = f"loc-{uuid.uuid4().hex[:8]}"
    start = ("start", "--switch-id", switch_id, "--fuel", "ELECTRICITY", "--mpxn", VALID_MPAN)
    run = await switching(*start, env=running_engine.env)
    assert run.code == 0, run.stderr

    # Nothing but the data folder: no TEMPORAL_ADDRESS, no DATABASE_URL.
    located = base_env(stack_folder)
    assert "TEMPORAL_ADDRESS" not in located
    assert "DATABASE_URL" not in located

    status = await switching("status", switch_id, env=located)
    assert status.code == 0, status.stderr
    assert "SwitchRequested" in status.stdout

    audit = await switching("audit", "show", switch_id, env=located)
    assert audit.code == 0, audit.stderr
    lines = audit.stdout.splitlines()
    assert "SwitchRequested" in lines[0]
    assert "workflow: RUNNING" in lines
    assert "chain: intact" in lines
