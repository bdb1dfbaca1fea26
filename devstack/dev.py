"""`switching dev [--demo N] [--exit-when-done]`: bring the stack up, show where everything
is, optionally play the demo, and stop everything on Ctrl-C or SIGTERM.

The stack's life races three things: a signal, a child dying, and the work (start-up, the
demo). Whichever comes first decides; in every case the stack is stopped before returning.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from rich.console import Console
from rich.table import Table

from devstack.config import StackConfig
from devstack.demo.session import DemoRequest, run_demo
from devstack.supervisor import DevStack, Service

T = TypeVar("T")

#: Exit status when a signal ended the stack before `--exit-when-done` could judge the demo.
INTERRUPTED = 130


class _Interrupted(Exception):
    """A signal asked the stack to stop."""


@dataclass(frozen=True)
class DevOptions:
    config: StackConfig
    demo: DemoRequest | None = None
    exit_when_done: bool = False


async def run_dev(options: DevOptions, console: Console) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    def say(component: str, detail: str) -> None:
        console.print(f"[dim]starting {component}: {detail}[/]", highlight=False)

    stack = DevStack(options.config, dict(os.environ), say)
    watcher: asyncio.Task[None] | None = None
    try:
        watcher = asyncio.ensure_future(stack.watch())
        await _first(stack.start(), watcher, stop)
        console.print(services_table(stack.services, str(options.config.logs_dir)))
        return await _serve(stack, options, console, watcher, stop)
    except _Interrupted:
        return INTERRUPTED if options.exit_when_done else 0
    finally:
        if watcher is not None:
            watcher.cancel()
        console.print("[dim]stopping the dev stack...[/]")
        await stack.stop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        console.print("[dim]stopped[/]")


async def _serve(
    stack: DevStack,
    options: DevOptions,
    console: Console,
    watcher: asyncio.Task[None],
    stop: asyncio.Event,
) -> int:
    config = options.config
    if options.demo is not None:
        demo = run_demo(stack.client, config, stack.database.url, options.demo, console)
        outcome = await _first(demo, watcher, stop)
        if options.exit_when_done:
            return 0 if outcome.ok else 1
        console.print(
            f"the stack keeps running: find the demo switches in the Temporal UI at "
            f'{config.ui_url} (e.g. SwitchStatus="ACTIVE"); Ctrl-C stops everything',
            highlight=False,
        )
    await _first(stop.wait(), watcher, stop)
    return 0


async def _first(work: Awaitable[T], watcher: asyncio.Task[None], stop: asyncio.Event) -> T:
    """The result of `work`, unless a child dies (its error) or a signal comes first."""
    task = asyncio.ensure_future(work)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, watcher, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    if watcher.done():
        watcher.result()
    raise _Interrupted


def services_table(services: Sequence[Service], logs: str) -> Table:
    table = Table(title="switching engine: dev stack", title_justify="left", expand=False)
    table.add_column("service", style="bold")
    table.add_column("address", style="cyan", overflow="fold")
    table.add_column("notes")
    for service in services:
        table.add_row(service.name, service.address, service.note)
    table.caption = f"logs in {logs}; Ctrl-C stops everything"
    table.caption_justify = "left"
    return table
