"""Running both enquiry services: in-process for tests, or as `switching market serve`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from css import tls
from css.pki import PkiPaths
from simulator.enquiry.electricity import build_electricity_app
from simulator.enquiry.gas import PATH, build_gas_app
from simulator.enquiry.gate import Gate, RateLimit
from simulator.faults import FaultSettings
from simulator.market import Market
from simulator.server import serving


@dataclass(frozen=True)
class EnquiryConfig:
    pki_dir: Path
    market: Market
    host: str = "127.0.0.1"
    electricity_port: int = 8445  # 0 picks a free port (tests)
    gas_port: int = 8446
    rate_limit: RateLimit = field(default_factory=RateLimit)
    faults: FaultSettings = field(default_factory=FaultSettings)


@dataclass(frozen=True)
class RunningEnquiry:
    electricity_url: str
    gas_url: str
    electricity: Gate
    gas: Gate

    @property
    def gas_wsdl_url(self) -> str:
        return f"{self.gas_url}{PATH}?wsdl"


@asynccontextmanager
async def running_enquiry_services(config: EnquiryConfig) -> AsyncIterator[RunningEnquiry]:
    """Serve both services over mutual TLS until the block exits; each has its own gate."""
    paths = PkiPaths(config.pki_dir)
    electricity = Gate(config.faults, config.rate_limit)
    gas = Gate(config.faults, config.rate_limit)
    async with AsyncExitStack() as stack:
        served_electricity = await stack.enter_async_context(
            serving(
                build_electricity_app(config.market, electricity),
                tls.enquiry_server_context(paths, paths.electricity_enquiry_server),
                config.host,
                config.electricity_port,
            )
        )
        served_gas = await stack.enter_async_context(
            serving(
                build_gas_app(config.market, gas),
                tls.enquiry_server_context(paths, paths.gas_enquiry_server),
                config.host,
                config.gas_port,
            )
        )
        yield RunningEnquiry(served_electricity.base_url, served_gas.base_url, electricity, gas)


async def serve_until_stopped(config: EnquiryConfig, announce: Callable[[str], None]) -> None:
    async with running_enquiry_services(config) as running:
        announce(
            f"electricity enquiry on {running.electricity_url}, gas enquiry on "
            f"{running.gas_url}{PATH} ({len(config.market.premises)} premises)"
        )
        await asyncio.Event().wait()
