"""The body of `switching dev`: it returns the exit status and raises only `StackError`
(whose message is the one line the CLI prints); `cli.py` holds nothing but its options.
"""

from __future__ import annotations

import asyncio
import traceback
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from config import ConfigError, Settings
from devstack.config import StackConfig
from devstack.demo.session import DEMO_CLOCK_SPEED, DemoRequest
from devstack.dev import INTERRUPTED, DevOptions, run_dev
from devstack.errors import StackError
from ops.engine import uses_temporal
from ops.errors import OperationError
from simulator.server import port_from_env as simulator_port_from_env


@dataclass(frozen=True)
class StackOptions:
    """`switching dev`'s flags; None keeps the setting from the environment."""

    data_dir: Path | None = None
    temporal_port: int | None = None
    ui_port: int | None = None
    simulator_port: int | None = None
    receiver_port: int | None = None
    codec_port: int | None = None
    metrics_port: int | None = None
    clock_speed: float | None = None
    css_url: str | None = None
    electricity_enquiry_port: int | None = None
    gas_enquiry_port: int | None = None
    market: Path | None = None
    demo: int | None = None
    exit_when_done: bool = False


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
        codec_port=options.codec_port,
        metrics_port=options.metrics_port,
        clock_speed=speed,
        external_css_url=options.css_url,
        electricity_enquiry_port=options.electricity_enquiry_port,
        gas_enquiry_port=options.gas_enquiry_port,
        market_file=options.market.resolve() if options.market else None,
    )
    demo = DemoRequest(options.demo) if options.demo else None
    # The supervisor talks to Temporal; it stops the embedded PostgreSQL itself on the way out.
    uses_temporal()
    try:
        return asyncio.run(run_dev(DevOptions(config, demo, options.exit_when_done), Console()))
    except KeyboardInterrupt:
        # Ctrl-C before the stack's own handler was installed: nothing was started yet.
        return INTERRUPTED
    except OperationError:
        raise
    except Exception as error:
        # Everything was stopped on the way out; the details go to a file, not the screen.
        log = config.logs_dir / "devstack.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a") as out:
            traceback.print_exc(file=out)
        raise StackError(f"the dev stack stopped on an unexpected {error!r}; see {log}") from None
