"""The body of `switching market serve`: both enquiry services as a process, until
interrupted."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import typer

from config import Settings
from css.pki import init_pki
from ops.errors import InvalidInput, OperationError
from simulator.enquiry.gate import RateLimit
from simulator.enquiry.server import EnquiryConfig, serve_until_stopped
from simulator.faults import FaultSettings
from simulator.market import Market, MarketFileError


@dataclass(frozen=True)
class ServeOptions:
    """`switching market serve`'s flags; a port left None comes from the service's URL."""

    market: Path
    electricity_port: int | None
    gas_port: int | None
    host: str
    pki_dir: Path | None
    rate_limit: RateLimit
    faults: FaultSettings


def _port_of(url: str, default: int) -> int:
    return urlsplit(url).port or default


def serve(options: ServeOptions) -> int:
    settings = Settings.from_env()
    try:
        market = Market.load(options.market)
    except MarketFileError as error:
        raise InvalidInput(str(error)) from None
    config = EnquiryConfig(
        pki_dir=init_pki(options.pki_dir or settings.pki_dir).root,
        market=market,
        host=options.host,
        electricity_port=options.electricity_port
        or _port_of(settings.electricity_enquiry_url, 8445),
        gas_port=options.gas_port or _port_of(settings.gas_enquiry_url, 8446),
        rate_limit=options.rate_limit,
        faults=options.faults,
    )
    try:
        asyncio.run(serve_until_stopped(config, typer.echo))
    except KeyboardInterrupt:
        typer.echo("enquiry services stopped")
    except OSError as error:
        raise OperationError(
            f"cannot run the enquiry services on {options.host}: {error}"
        ) from None
    return 0
