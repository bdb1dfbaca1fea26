"""One dev stack per data folder: an exclusive lock on `<data>/devstack.lock`, whose content
says where the running stack's pieces are.

The kernel drops a `flock` when its holder dies, however it dies, so a killed stack never
leaves a stale lock behind. Operator commands read the same file to find the dev stack
when the environment does not say where the engine is.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

from devstack.errors import AlreadyRunning

LOCK_NAME = "devstack.lock"


@dataclass(frozen=True)
class StackInfo:
    """What a running stack publishes for operator commands and a second `switching dev`."""

    pid: int
    temporal_address: str = ""
    ui_url: str = ""
    namespace: str = "default"
    task_queue: str = "switching"
    database_url: str = ""
    electricity_enquiry_url: str = ""
    gas_enquiry_url: str = ""
    ready: bool = False


def _lock_path(data_dir: Path) -> Path:
    return data_dir / LOCK_NAME


class StackLock:
    """Held for the supervisor's whole life."""

    def __init__(self, data_dir: Path) -> None:
        self.path = _lock_path(data_dir)
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise _already_running(self.path) from None
        self._file = handle
        self.publish(StackInfo(pid=os.getpid()))

    def publish(self, info: StackInfo) -> None:
        assert self._file is not None, "publish after acquire"
        self._file.seek(0)
        self._file.truncate()
        self._file.write(json.dumps(asdict(info)))
        self._file.flush()

    def release(self) -> None:
        if self._file is None:
            return
        # Emptied first, so a reader never mistakes a stopped stack's content for a live one.
        self._file.seek(0)
        self._file.truncate()
        self._file.flush()
        fcntl.flock(self._file, fcntl.LOCK_UN)
        self._file.close()
        self._file = None


def _already_running(path: Path) -> AlreadyRunning:
    info = read_info(path)
    where = f"pid {info.pid}" if info else "another process"
    ui = f", Temporal UI {info.ui_url}" if info and info.ui_url else ""
    return AlreadyRunning(
        f"a dev stack is already running on {path.parent} ({where}{ui}); "
        "stop it (Ctrl-C in its terminal) or use another --data-dir"
    )


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
    path = _lock_path(data_dir)
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
