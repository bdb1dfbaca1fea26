"""The bodies of `switching market lose`, `market loss-rate` and `market accounts`: play
another supplier gaining one of our customers in a running CSS simulator, set the rate at
which it happens by itself, and write billing's facts for the market's accounts."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar

import typer

from accounts.export import write_export
from config import Settings
from ops.errors import InvalidInput, OperationError
from simulator.control import SimulatorControl
from simulator.losses import LossStory
from simulator.market.accounts import account_facts
from simulator.market.records import Market, MarketFileError

T = TypeVar("T")


@dataclass(frozen=True)
class LoseOptions:
    mpxn: str | None
    story: str
    change_of_occupancy: bool
    erroneous_transfer: bool
    gaining_supplier_id: str | None
    css_url: str | None


def lose(options: LoseOptions) -> int:
    try:
        story = LossStory(options.story.strip().lower())
    except ValueError:
        allowed = ", ".join(s.value for s in LossStory)
        raise InvalidInput(f"unknown story {options.story!r}; one of {allowed}") from None
    order: dict[str, object] = {
        "story": story.value,
        "changeOfOccupancy": options.change_of_occupancy,
        "erroneousTransfer": options.erroneous_transfer,
    }
    if options.mpxn:
        order["mpxn"] = options.mpxn
    if options.gaining_supplier_id:
        order["gainingSupplierId"] = options.gaining_supplier_id
    started = _on_simulator(options.css_url, lambda css: css.start_loss(order))
    typer.echo(
        f"{started['gainingSupplierId']} gains {started['mpxn']} from us: registration "
        f"{started['registrationId']}, objection window ends {started['objectionWindowEnd']}, "
        f"supply start {started['supplyStartDate']} ({started['story']})"
    )
    return 0


def loss_rate(per_day: float, css_url: str | None) -> int:
    rate = _on_simulator(css_url, lambda css: css.set_loss_rate(per_day))
    typer.echo(f"the simulator starts {rate:g} loss(es) per simulated day by itself")
    return 0


def accounts(market: Path, out: Path, seed: int, as_of: date | None) -> int:
    try:
        loaded = Market.load(market)
    except MarketFileError as error:
        raise InvalidInput(str(error)) from None
    try:
        written = write_export(out, account_facts(loaded, as_of or date.today(), seed))
    except OSError as error:
        raise OperationError(f"cannot write {out}: {error.strerror}") from None
    typer.echo(f"wrote {written} accounts (the meter points we supply) to {out}")
    return 0


def _on_simulator(css_url: str | None, call: Callable[[SimulatorControl], Awaitable[T]]) -> T:
    settings = Settings.from_env()

    async def run() -> T:
        async with SimulatorControl(css_url or settings.css_url, settings.pki_dir) as css:
            return await call(css)

    return asyncio.run(run())
