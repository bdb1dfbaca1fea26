"""What signup asks for, once validated: the one value the request's fields are written in.

The workflow's input, the decider's `RequestSwitch`, the stored `SwitchRequested`, the
switch's state and the submission to CSS all carry it; records write its fields flat
(`domain.records.embedded`), so none of their stored or sent shapes changed for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.identifiers import Fuel, MarketSector


@dataclass(frozen=True)
class SwitchDetails:
    """The meter point, its fuel and sector, the supply start date asked for (None: the
    earliest) and the flags CSS needs; a gas switch names its shipper."""

    fuel: Fuel
    mpxn: str
    market_sector: MarketSector
    requested_supply_start_date: date | None = None
    change_of_occupancy: bool = False
    erroneous_transfer: bool = False
    shipper_id: str | None = None
