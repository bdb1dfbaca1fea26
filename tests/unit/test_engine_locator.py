"""The one engine locator: the environment first, then the dev stack's lock file, then the
defaults."""

from __future__ import annotations

import os
from pathlib import Path

from devstack.lock import StackLock
from ops.engine import locate
from ops.errors import describe, exit_status
from ops.lockfile import StackInfo

STACK = StackInfo(
    pid=os.getpid(),
    temporal_address="127.0.0.1:17233",
    database_url="postgresql://switching_app@/switching?host=/x",
    owner_database_url="postgresql://switching_owner@/switching?host=/x",
    auditor_database_url="postgresql://switching_auditor@/switching?host=/x",
    ready=True,
)


def test_without_a_stack_the_environment_and_the_defaults_apply(tmp_path: Path) -> None:
    settings = locate({"SWITCHING_DATA_DIR": str(tmp_path)})
    assert settings.temporal_address == "localhost:7233"
    assert settings.database_url is None


def test_a_running_stack_fills_in_what_the_environment_leaves_out(tmp_path: Path) -> None:
    lock = StackLock(tmp_path)
    lock.acquire()
    lock.publish(STACK)
    try:
        found = locate({"SWITCHING_DATA_DIR": str(tmp_path)})
        given = locate(
            {
                "SWITCHING_DATA_DIR": str(tmp_path),
                "TEMPORAL_ADDRESS": "temporal:7233",
                "DATABASE_URL": "postgresql://elsewhere/switching",
            }
        )
    finally:
        lock.release()
    assert found.temporal_address == "127.0.0.1:17233"
    assert (found.database_url, found.owner_database_url, found.auditor_database_url) == (
        STACK.database_url,
        STACK.owner_database_url,
        STACK.auditor_database_url,
    )
    assert given.temporal_address == "temporal:7233"
    assert given.database_url == "postgresql://elsewhere/switching"
    assert given.owner_database_url is None
    assert locate({"SWITCHING_DATA_DIR": str(tmp_path)}).temporal_address == "localhost:7233"


def test_a_stack_still_starting_is_not_used(tmp_path: Path) -> None:
    lock = StackLock(tmp_path)
    lock.acquire()
    try:
        assert locate({"SWITCHING_DATA_DIR": str(tmp_path)}).temporal_address == "localhost:7233"
    finally:
        lock.release()


def test_a_dev_tool_missing_from_the_installation_is_said_plainly() -> None:
    missing = ModuleNotFoundError("No module named 'simulator'", name="simulator")
    assert exit_status(missing) == 1
    assert "development tool" in describe(missing)
    other = ModuleNotFoundError("No module named 'httpx'", name="httpx")
    assert exit_status(other) is None
