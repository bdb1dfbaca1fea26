"""Real loopback HTTPS with mutual TLS: a dev PKI, the simulator, a stub receiver."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from css import tls
from css.client import CssClient
from css.pki import PkiPaths, init_pki, load_trusted_keys
from css.simulator import LifecycleSettings, SimulatorConfig, running_simulator
from css.simulator.server import RunningSimulator, serving
from tests.integration.css.support import MONDAY_9AM, VALIDATION_DELAY, StubReceiver


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PkiPaths:
    return init_pki(tmp_path_factory.mktemp("css") / "pki")


@pytest.fixture
async def receiver(pki: PkiPaths) -> AsyncIterator[tuple[StubReceiver, str]]:
    stub = StubReceiver(load_trusted_keys(pki.css_jws_dir))
    async with serving(stub.app(), tls.receiver_server_context(pki)) as served:
        yield stub, served.base_url


def sim_config(pki: PkiPaths, receiver_url: str | None, **changes: object) -> SimulatorConfig:
    """The simulator on a free port, its clock frozen at MONDAY_9AM (tests advance it)."""
    base = SimulatorConfig(
        pki_dir=pki.root,
        port=0,
        receiver_url=receiver_url,
        clock_start=MONDAY_9AM,
        clock_speed=0.0,
        lifecycle=LifecycleSettings(validation_delay=VALIDATION_DELAY),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture
async def simulator(
    pki: PkiPaths, receiver: tuple[StubReceiver, str]
) -> AsyncIterator[RunningSimulator]:
    async with running_simulator(sim_config(pki, receiver[1])) as running:
        yield running


@pytest.fixture
async def client(pki: PkiPaths, simulator: RunningSimulator) -> AsyncIterator[CssClient]:
    async with CssClient.from_pki(simulator.base_url, pki.root) as css:
        yield css


@pytest.fixture
def stub(receiver: tuple[StubReceiver, str]) -> StubReceiver:
    return receiver[0]
