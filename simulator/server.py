"""Running the simulator: in-process for tests (`running_simulator`) or as a command."""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.types import ASGIApp

from config import port_setting
from css import tls
from css.keyring import LiveTrustedKeys
from css.pki import PkiPaths
from css.reload import Reloader
from domain.calendar import england_and_wales
from simulator.app import build_app
from simulator.clock import SimClock
from simulator.faults import FaultInjector, FaultSettings
from simulator.losses import LossDesk, our_meter_points
from simulator.market import Market
from simulator.meter_points import MeterPoints
from simulator.push import Pusher
from simulator.service import LifecycleSettings, SigningKeys, Simulator

#: Where the simulator listens unless told otherwise (`SIMULATOR_PORT`).
DEFAULT_PORT = 8443


def port_from_env(env: Mapping[str, str] | None = None) -> int:
    return port_setting(os.environ if env is None else env, "SIMULATOR_PORT", DEFAULT_PORT)


@dataclass(frozen=True)
class SimulatorConfig:
    pki_dir: Path
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT  # 0 picks a free port (tests)
    receiver_url: str | None = None
    clock_speed: float = 1.0
    clock_start: datetime | None = None
    lifecycle: LifecycleSettings = field(default_factory=LifecycleSettings)
    faults: FaultSettings = field(default_factory=FaultSettings)
    active_kid: str | None = None
    push_timeout_seconds: float = 5.0
    #: Our MPID, and the market whose meter points we supply (others gain them from us).
    our_supplier_id: str = "GAIN"
    market: Path | None = None
    #: Losses started by themselves per simulated day (0: only on demand).
    losses_per_day: float = 0.0
    #: The simulated market's meter points (`simulator.meter_points`); None: none known yet.
    meter_points_file: Path | None = None


@dataclass(frozen=True)
class RunningSimulator:
    sim: Simulator
    base_url: str
    port: int
    server_task: asyncio.Task[None]
    losses: LossDesk


@dataclass(frozen=True)
class Serving:
    base_url: str
    port: int
    task: asyncio.Task[None]


@asynccontextmanager
async def serving(
    app: ASGIApp, ssl_context: ssl.SSLContext, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[Serving]:
    """Serve an ASGI app over TLS with uvicorn in this event loop until the block exits.

    Port 0 picks a free port; the socket is bound here so the port is known before start.
    """
    config = uvicorn.Config(
        app,
        http="h11",
        ws="none",
        lifespan="off",
        log_config=None,
        access_log=False,
        ssl_context_factory=lambda _config, _default: ssl_context,
        timeout_graceful_shutdown=5,
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound = sock.getsockname()[1]
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError(f"the server on {host}:{bound} stopped while starting")
            await asyncio.sleep(0.01)
        yield Serving(f"https://{host}:{bound}", bound, task)
    finally:
        server.should_exit = True
        await asyncio.gather(task, return_exceptions=True)
        sock.close()


def _build(
    config: SimulatorConfig,
) -> tuple[Simulator, LossDesk, Starlette, ssl.SSLContext, Reloader]:
    paths = PkiPaths(config.pki_dir)
    faults = FaultInjector(config.faults)
    keys = SigningKeys(paths.css_jws_dir, config.active_kid)
    http = httpx.AsyncClient(
        verify=tls.simulator_client_context(paths),
        timeout=config.push_timeout_seconds,
        trust_env=False,
    )
    sim = Simulator(
        clock=SimClock(config.clock_start or datetime.now(UTC), config.clock_speed),
        calendar=england_and_wales(),
        keys=keys,
        pusher=Pusher(config.receiver_url, http, keys.sign, faults),
        faults=faults,
        settings=config.lifecycle,
        meter_points=(
            MeterPoints.from_file(config.meter_points_file) if config.meter_points_file else None
        ),
    )
    losses = LossDesk(
        clock=sim.clock,
        calendar=sim.calendar,
        scheduler=sim.scheduler,
        push=sim.pusher.enqueue,
        our_supplier_id=config.our_supplier_id,
        meter_points=our_meter_points(Market.load(config.market)) if config.market else (),
        validation_delay=config.lifecycle.validation_delay,
        seed=config.faults.seed,
    )
    losses.set_rate(config.losses_per_day)
    # The supplier's keys follow their folder, as CSS takes a supplier's rotated key.
    supplier_keys = LiveTrustedKeys(paths.supplier_jws_dir)
    app = build_app(sim, supplier_keys, losses)
    return sim, losses, app, tls.simulator_server_context(paths), Reloader([supplier_keys])


@asynccontextmanager
async def running_simulator(config: SimulatorConfig) -> AsyncIterator[RunningSimulator]:
    """Serve the simulator over mutual TLS until the block exits."""
    sim, losses, app, server_tls, reloader = _build(config)
    scheduler_task = asyncio.create_task(sim.scheduler.run())
    reloading = asyncio.create_task(reloader.run())
    try:
        async with serving(app, server_tls, config.host, config.port) as served:
            try:
                yield RunningSimulator(sim, served.base_url, served.port, served.task, losses)
            finally:
                # Stalled answers end now rather than holding the shutdown.
                sim.stop.set()
    finally:
        scheduler_task.cancel()
        reloading.cancel()
        await asyncio.gather(scheduler_task, reloading, return_exceptions=True)
        await sim.pusher.aclose()


async def serve_until_stopped(
    config: SimulatorConfig, announce: Callable[[str], None], rotate_after: float | None = None
) -> None:
    """Run the simulator until the process is interrupted (the `switching simulator` body)."""
    async with running_simulator(config) as running:
        receiver = config.receiver_url or "nowhere (notifications kept in the outbox)"
        announce(
            f"CSS simulator on {running.base_url}, clock x{config.clock_speed} from "
            f"{running.sim.clock.now().isoformat(timespec='seconds')}, "
            f"signing with {running.sim.keys.active.kid}, pushing to {receiver}"
        )
        if rotate_after is not None:
            await asyncio.wait({running.server_task}, timeout=rotate_after)
            if not running.server_task.done():
                announce(f"signing key rotated to {running.sim.rotate_key()}")
        await running.server_task
