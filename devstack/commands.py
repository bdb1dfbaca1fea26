"""The bodies of `switching dev`, `start`, `withdraw`, `waive`, `status` and `list`.

Each returns the exit status and raises only `StackError` or `OperationError` (whose
message is the one line the CLI prints); `cli.py` holds nothing but their options.
"""

from __future__ import annotations

import asyncio
import os
import sys
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import NoReturn, TypeVar

from rich.console import Console
from temporalio.client import Client

from config import ConfigError, Settings
from devstack import operations, render
from devstack.config import StackConfig
from devstack.demo.session import DEMO_CLOCK_SPEED, DemoRequest
from devstack.dev import INTERRUPTED, DevOptions, run_dev
from devstack.engine import Engine, connect, event_store, locate_engine
from devstack.errors import InvalidInput, OperationError, StackError
from simulator.server import port_from_env as simulator_port_from_env
from workflows.signup import SwitchRequest, SwitchTimings

T = TypeVar("T")


@dataclass(frozen=True)
class StackOptions:
    """`switching dev`'s flags; None keeps the setting from the environment."""

    data_dir: Path | None = None
    temporal_port: int | None = None
    ui_port: int | None = None
    simulator_port: int | None = None
    receiver_port: int | None = None
    clock_speed: float | None = None
    css_url: str | None = None
    demo: int | None = None
    exit_when_done: bool = False


def exit_now(code: int) -> NoReturn:
    """Exit without interpreter teardown, output flushed first.

    The Temporal client's native runtime keeps threads that can touch the interpreter while
    it finalizes, which aborts a short-lived process now and then (temporalio/sdk-python
    issue 300); every command is done with its work and its output by this point.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def dev(options: StackOptions) -> int:
    try:
        settings = Settings.from_env()
        simulator_port = simulator_port_from_env()
    except ConfigError as error:
        raise StackError(str(error)) from None
    if options.exit_when_done and options.demo is None:
        raise StackError("--exit-when-done needs --demo N (it exits when the demo is done)")
    speed = options.clock_speed or (DEMO_CLOCK_SPEED if options.demo else 1.0)
    config = StackConfig.from_settings(settings, simulator_port).with_options(
        data_dir=options.data_dir.resolve() if options.data_dir else None,
        temporal_port=options.temporal_port,
        ui_port=options.ui_port,
        simulator_port=options.simulator_port,
        receiver_port=options.receiver_port,
        clock_speed=speed,
        external_css_url=options.css_url,
    )
    demo = DemoRequest(options.demo) if options.demo else None
    try:
        return asyncio.run(run_dev(DevOptions(config, demo, options.exit_when_done), Console()))
    except KeyboardInterrupt:
        # Ctrl-C before the stack's own handler was installed: nothing was started yet.
        return INTERRUPTED
    except (StackError, OperationError):
        raise
    except Exception as error:
        # Everything was stopped on the way out; the details go to a file, not the screen.
        log = config.logs_dir / "devstack.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a") as out:
            traceback.print_exc(file=out)
        raise StackError(f"the dev stack stopped on an unexpected {error!r}; see {log}") from None


def start(request: SwitchRequest | None, file: Path | None) -> int:
    if file is not None and request is not None:
        raise InvalidInput("give either --file or the switch flags, not both")
    if file is not None:
        request = operations.request_from_json(file)
    if request is None:
        raise InvalidInput("give the switch as flags (--switch-id, --fuel, --mpxn ...) or --file")
    engine = locate_engine()
    timings = SwitchTimings(engine.settings.withdrawal_window, engine.settings.reconcile_grace)
    # Bad input is reported as such even when no engine runs.
    operations.check_request(request, timings)
    checked = request

    async def action(client: Client, engine: Engine) -> operations.Started:
        return await operations.start_switch(
            client, checked, task_queue=engine.task_queue, timings=timings
        )

    Console().print(render.started(_with_engine(action, engine)), highlight=False)
    return 0


def withdraw(switch_id: str, reason: str) -> int:
    operations.check_reason(reason)

    async def action(client: Client, engine: Engine) -> str:
        result = await operations.withdraw_switch(client, switch_id, reason)
        return render.withdrawn(switch_id, result)

    Console().print(_with_engine(action), highlight=False)
    return 0


def waive(switch_id: str, reason: str) -> int:
    operations.check_reason(reason, "a waiver")

    async def action(client: Client, engine: Engine) -> str:
        result = await operations.waive_compensation(client, switch_id, reason)
        return f"switch {switch_id}: £{result.pence / 100:.2f} waived - {result.detail}"

    Console().print(_with_engine(action), highlight=False)
    return 0


def status(switch_id: str, as_json: bool) -> int:
    async def action(client: Client, engine: Engine) -> operations.SwitchReport:
        async with event_store(engine) as store:
            return await operations.switch_report(client, store, switch_id)

    report = _with_engine(action)
    if as_json:
        print(render.report_json(report))
    else:
        Console().print(render.report(report), highlight=False)
    return 0


def list_switches(status: str | None, deadline_missed: bool, limit: int) -> int:
    query = operations.list_query(status, deadline_missed)

    async def action(client: Client, engine: Engine) -> list[operations.SwitchSummary]:
        return await operations.list_switches(client, query, limit)

    Console().print(render.switch_list(_with_engine(action)), highlight=False)
    return 0


def request_from_flags(
    switch_id: str | None,
    fuel: str | None,
    mpxn: str | None,
    **optional: str | bool | date | None,
) -> SwitchRequest | None:
    """The request the flags describe; None when no flag was given at all."""
    given = {"switch_id": switch_id, "fuel": fuel, "mpxn": mpxn}
    if all(value is None for value in given.values()):
        return None
    missing = [f"--{name.replace('_', '-')}" for name, value in given.items() if value is None]
    if missing:
        raise InvalidInput(f"missing {', '.join(missing)}")
    values = {name: value for name, value in optional.items() if value is not None}
    return operations.request_from_mapping({**given, **values}, "flags")


def _with_engine(
    action: Callable[[Client, Engine], Awaitable[T]], engine: Engine | None = None
) -> T:
    engine = engine or locate_engine()

    async def run() -> T:
        return await action(await connect(engine), engine)

    return asyncio.run(run())
