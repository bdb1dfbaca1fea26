"""The body of `switching simulator`: the stand-in CSS as a process, until interrupted."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer

from config import Settings
from css.errors import InvalidMessage
from css.pki import init_pki
from ops.errors import InvalidInput, OperationError
from simulator.faults import FaultSettings
from simulator.server import SimulatorConfig, port_from_env, serve_until_stopped
from simulator.service import LifecycleSettings


@dataclass(frozen=True)
class SimulatorOptions:
    """`switching simulator`'s flags; None takes the setting from the environment."""

    port: int | None
    host: str
    receiver_url: str | None
    pki_dir: Path | None
    clock_speed: float
    clock_start: datetime | None
    validation_delay: float
    faults: FaultSettings
    rotate_after: float | None
    #: A JSON file of the meter points the simulated market holds.
    meter_points: Path | None = None


def run(options: SimulatorOptions) -> int:
    settings = Settings.from_env()
    start = options.clock_start
    if start is not None and start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    config = SimulatorConfig(
        pki_dir=init_pki(options.pki_dir or settings.pki_dir).root,
        host=options.host,
        port=port_from_env() if options.port is None else options.port,
        receiver_url=options.receiver_url or settings.receiver_url,
        clock_speed=options.clock_speed,
        clock_start=start,
        lifecycle=LifecycleSettings(validation_delay=timedelta(seconds=options.validation_delay)),
        faults=options.faults,
        meter_points_file=options.meter_points,
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        asyncio.run(serve_until_stopped(config, typer.echo, options.rotate_after))
    except KeyboardInterrupt:
        typer.echo("simulator stopped")
    except InvalidMessage as error:
        raise InvalidInput(str(error)) from None
    except OSError as error:
        where = f"{options.host}:{config.port}"
        raise OperationError(f"cannot run the simulator on {where}: {error}") from None
    return 0
