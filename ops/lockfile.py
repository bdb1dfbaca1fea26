"""The dev stack's lock file, `<data>/devstack.lock`, as its readers see it.

A running `switching dev` holds an exclusive `flock` on the file (`devstack.lock`) and
writes into it where its pieces are; the kernel drops the lock when the holder dies,
however it dies, so a killed stack never leaves a stale one behind. Operator commands read
the file to find the dev stack when the environment does not say where the engine is.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
from dataclasses import dataclass
from pathlib import Path

LOCK_NAME = "devstack.lock"


@dataclass(frozen=True)
class StackInfo:
    """What a running stack publishes for operator commands and a second `switching dev`."""

    pid: int
    temporal_address: str = ""
    ui_url: str = ""
    namespace: str = "default"
    task_queue: str = "switching"
    #: The event store as each role reaches it: application, owner (migrations), auditor.
    database_url: str = ""
    owner_database_url: str = ""
    auditor_database_url: str = ""
    #: The simulated enquiry services the stack runs (dev only).
    electricity_enquiry_url: str = ""
    gas_enquiry_url: str = ""
    ready: bool = False


def lock_path(data_dir: Path) -> Path:
    return data_dir / LOCK_NAME


def read_info(path: Path) -> StackInfo | None:
    try:
        raw = path.read_text()
    except FileNotFoundError:
        return None
    try:
        return StackInfo(**json.loads(raw))
    except (ValueError, TypeError):
        # Empty or half-written while the holder starts up or stops.
        return None


def running_stack(data_dir: Path) -> StackInfo | None:
    """The info of the stack running on `data_dir`, or None when none holds the lock."""
    path = lock_path(data_dir)
    if not path.exists():
        return None
    with path.open("r") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return read_info(path)
        with contextlib.suppress(OSError):
            fcntl.flock(handle, fcntl.LOCK_UN)
    return None
