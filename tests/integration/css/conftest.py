"""Real loopback HTTPS with mutual TLS: a dev PKI, the simulator, a stub receiver."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from css import tls
from css.client import CssClient
from css.pki import PkiPaths, init_pki, load_trusted_keys
from simulator import running_simulator
from simulator.server import RunningSimulator, serving
from tests.integration.css.support import StubReceiver, sim_config


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PkiPaths:
    return init_pki(tmp_path_factory.mktemp("css") / "pki")


@pytest.fixture
async def receiver(pki: PkiPaths) -> AsyncIterator[tuple[StubReceiver, str]]:
    stub = StubReceiver(load_trusted_keys(pki.css_jws_dir))
    async with serving(stub.app(), tls.receiver_server_context(pki)) as served:
        yield stub, served.base_url


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
