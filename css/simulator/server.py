"""Running the simulator: in-process for tests (`running_simulator`) or as a command."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import uvicorn

from css import tls
from css.pki import PkiPaths, load_trusted_keys
from css.simulator.app import build_app
from css.simulator.clock import SimClock
from css.simulator.faults import FaultInjector, FaultSettings
from css.simulator.push import Pusher
from css.simulator.service import LifecycleSettings, SigningKeys, Simulator
from domain.calendar import england_and_wales


@dataclass(frozen=True)
class SimulatorConfig:
    pki_dir: Path
    host: str = "127.0.0.1"
    port: int = 8443  # 0 picks a free port (tests)
    receiver_url: str | None = None
    clock_speed: float = 1.0
    clock_start: datetime | None = None
    lifecycle: LifecycleSettings = field(default_factory=LifecycleSettings)
    faults: FaultSettings = field(default_factory=FaultSettings)
    active_kid: str | None = None
    push_timeout_seconds: float = 5.0


@dataclass(frozen=True)
class RunningSimulator:
    sim: Simulator
    base_url: str
    port: int
    server_task: asyncio.Task[None]


def _build(config: SimulatorConfig) -> tuple[Simulator, uvicorn.Config]:
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
    )
    app = build_app(sim, load_trusted_keys(paths.supplier_jws_dir))
    server_tls = tls.simulator_server_context(paths)
    uvicorn_config = uvicorn.Config(
        app,
        http="h11",
        ws="none",
        lifespan="off",
        log_config=None,
        access_log=False,
        ssl_context_factory=lambda _config, _default: server_tls,
        timeout_graceful_shutdown=5,
    )
    return sim, uvicorn_config


@asynccontextmanager
async def running_simulator(config: SimulatorConfig) -> AsyncIterator[RunningSimulator]:
    """Serve the simulator over mutual TLS until the block exits."""
    sim, uvicorn_config = _build(config)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((config.host, config.port))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn_config)
    server_task = asyncio.create_task(server.serve(sockets=[sock]))
    scheduler_task = asyncio.create_task(sim.scheduler.run())
    try:
        while not server.started:
            if server_task.done():
                server_task.result()
                raise RuntimeError("the simulator stopped while starting")
            await asyncio.sleep(0.01)
        yield RunningSimulator(sim, f"https://{config.host}:{port}", port, server_task)
    finally:
        sim.stop.set()
        server.should_exit = True
        await asyncio.gather(server_task, return_exceptions=True)
        scheduler_task.cancel()
        await asyncio.gather(scheduler_task, return_exceptions=True)
        await sim.pusher.aclose()
        sock.close()
