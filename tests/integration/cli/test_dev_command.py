"""`switching dev` refuses clearly, before starting anything, when it cannot run."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.lock import StackLock
from ops.lockfile import StackInfo, running_stack
from tests.integration.cli.conftest import base_env, free_port, switching
from tests.integration.cli.test_operator_commands import assert_one_line_error
from tests.ports import free_port_run


def _ports() -> list[str]:
    return [
        *("--temporal-port", str(free_port())),
        *("--ui-port", str(free_port())),
        *("--simulator-port", str(free_port())),
        *("--receiver-port", str(free_port())),
        *("--codec-port", str(free_port())),
        *("--electricity-enquiry-port", str(free_port())),
        *("--gas-enquiry-port", str(free_port())),
        *("--metrics-port", str(free_port_run(3))),
    ]


@pytest.fixture
def held_stack(tmp_path: Path) -> Iterator[Path]:
    """A data folder whose lock another (live) stack holds."""
    data = tmp_path / "held"
    lock = StackLock(data)
    lock.acquire()
    lock.publish(StackInfo(pid=os.getpid(), ui_url="http://127.0.0.1:18233", ready=True))
    yield data
    lock.release()


async def test_a_second_stack_on_the_same_data_folder_says_one_runs(
    held_stack: Path, tmp_path: Path
) -> None:
    run = await switching("dev", "--data-dir", str(held_stack), *_ports(), env=base_env(tmp_path))
    assert_one_line_error(
        run, 1, "already running", f"pid {os.getpid()}", "Temporal UI http://127.0.0.1:18233"
    )
    # The running stack keeps its lock and what it published.
    info = running_stack(held_stack)
    assert info is not None
    assert info.pid == os.getpid()


async def test_a_port_taken_by_another_program_is_named_with_its_option(tmp_path: Path) -> None:
    data = tmp_path / "ports"
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        args = ["dev", "--data-dir", str(data), *_ports(), "--ui-port", str(port)]
        run = await switching(*args, env=base_env(tmp_path))
    assert_one_line_error(run, 1, f"port {port} (Temporal UI) is in use", "--ui-port")
    assert running_stack(data) is None
    assert not (data / "postgres").exists()


async def test_exit_when_done_needs_a_demo(tmp_path: Path) -> None:
    run = await switching("dev", "--exit-when-done", env=base_env(tmp_path))
    assert_one_line_error(run, 1, "--exit-when-done needs --demo N")
