"""One dev stack per data folder: the exclusive lock on `<data>/devstack.lock`, and what
the running stack writes into it for operator commands and a second `switching dev`.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import IO

from devstack.errors import AlreadyRunning
from ops.lockfile import StackInfo, lock_path, read_info


class StackLock:
    """Held for the supervisor's whole life."""

    def __init__(self, data_dir: Path) -> None:
        self.path = lock_path(data_dir)
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
