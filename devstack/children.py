"""Child processes of the dev stack: started in their own process group, logging to a file,
stopped with SIGTERM then SIGKILL, and never outliving the supervisor.

Each child gets its own session so that Ctrl-C in the terminal reaches the supervisor only,
which then stops the children in order (the worker before the server it polls). Should the
supervisor itself be killed outright, the kernel sends each child SIGTERM (parent-death
signal), so a killed stack leaves no orphans holding its ports.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import subprocess
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from devstack.errors import ComponentFailed

_PR_SET_PDEATHSIG = 1
_POLL_SECONDS = 0.2


@dataclass(frozen=True)
class ChildSpec:
    name: str
    argv: Sequence[str]
    env: Mapping[str, str]
    log_path: Path


def _die_with_parent() -> None:
    # Runs in the forked child before exec; Linux only, where the dev stack runs.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Child:
    """A running child process and the log it writes."""

    def __init__(self, spec: ChildSpec, process: subprocess.Popen[bytes]) -> None:
        self.spec = spec
        self.process = process

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def pid(self) -> int:
        return self.process.pid

    def exit_code(self) -> int | None:
        """None while it runs."""
        return self.process.poll()

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.spec.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def failure(self, what: str) -> ComponentFailed:
        tail = self.log_tail()
        shown = f"\n{tail}" if tail else ""
        return ComponentFailed(f"{self.name} {what} (log: {self.spec.log_path}){shown}")

    async def stop(self, grace: float = 10.0) -> None:
        """SIGTERM the process group, wait up to `grace` seconds, then SIGKILL it."""
        if self.exit_code() is None:
            _signal_group(self.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                await asyncio.to_thread(self.process.wait, grace)
        # The group may hold helpers of the child even once the child itself has gone.
        _signal_group(self.pid, signal.SIGKILL)
        if self.exit_code() is None:
            await asyncio.to_thread(self.process.wait)


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def spawn(spec: ChildSpec) -> Child:
    """Start a child; it must be called from the main thread (the parent-death signal is
    tied to the thread that forks)."""
    spec.log_path.parent.mkdir(parents=True, exist_ok=True)
    with spec.log_path.open("ab") as log:
        process = subprocess.Popen(
            list(spec.argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(spec.env),
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
    return Child(spec, process)


async def wait_healthy(
    child: Child, check: Callable[[], Awaitable[bool]], *, seconds: float, what: str
) -> None:
    """Poll `check` until it passes; fail as soon as the child exits or time runs out."""
    try:
        async with asyncio.timeout(seconds):
            while not await check():
                code = child.exit_code()
                if code is not None:
                    raise child.failure(f"exited with code {code} before {what}")
                await asyncio.sleep(_POLL_SECONDS)
    except TimeoutError:
        raise child.failure(f"was not {what} within {seconds:.0f}s") from None
