"""Both simulated enquiry services over real loopback HTTPS with mutual TLS, serving a
small generated market, and our clients of them."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from css import tls
from css.pki import PkiPaths, init_pki
from enquiry.clients import EnquiryClients
from simulator.enquiry.server import EnquiryConfig, RunningEnquiry, running_enquiry_services
from simulator.market import Market, MarketSpec
from simulator.market.commands import generate_market


@pytest.fixture(scope="session")
def enquiry_pki(tmp_path_factory: pytest.TempPathFactory) -> PkiPaths:
    return init_pki(tmp_path_factory.mktemp("enquiry") / "pki")


@pytest.fixture(scope="session")
def market_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("market") / "market.jsonl"
    generate_market(MarketSpec(400, seed=21), path, lambda _: None)
    return path


@pytest.fixture(scope="session")
def market(market_path: Path) -> Market:
    return Market.load(market_path)


@pytest.fixture
async def services(enquiry_pki: PkiPaths, market: Market) -> AsyncIterator[RunningEnquiry]:
    config = EnquiryConfig(enquiry_pki.root, market, electricity_port=0, gas_port=0)
    async with running_enquiry_services(config) as running:
        yield running


@pytest.fixture
async def clients(enquiry_pki: PkiPaths, services: RunningEnquiry) -> AsyncIterator[EnquiryClients]:
    opened = await EnquiryClients.connect(
        services.electricity_url, services.gas_url, enquiry_pki.root
    )
    yield opened
    await opened.aclose()


def trusting_only(pki: PkiPaths) -> ssl.SSLContext:
    """A client that checks the server but presents no certificate of its own."""
    return ssl.create_default_context(cafile=str(pki.industry_ca.cert))


@pytest.fixture
async def control(
    enquiry_pki: PkiPaths, services: RunningEnquiry
) -> AsyncIterator[httpx.AsyncClient]:
    """Our identity, for the services' /control routes and raw requests (closed before
    the services stop, so that no idle connection holds their shutdown)."""
    context = tls.enquiry_client_context(enquiry_pki)
    async with httpx.AsyncClient(verify=context, trust_env=False) as http:
        yield http
