"""Find an address's meter points: ask each fuel's service for the postcode (both at
once), then match the typed address against what they returned (`domain.matching_fuels`).

What each service returned is kept beside the match, so a caller can record or show the
evidence the match was made on.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import StrEnum

from domain.matching import AddressQuery, MatchResult
from domain.matching_fuels import match_fuels
from enquiry.model import ElectricityEnquiry, ElectricityMeterPoint, GasEnquiry, GasMeterPoint


class FuelChoice(StrEnum):
    ELECTRICITY = "electricity"
    GAS = "gas"
    BOTH = "both"


@dataclass(frozen=True)
class AddressLookup:
    query: AddressQuery
    electricity_points: tuple[ElectricityMeterPoint, ...] | None
    gas_points: tuple[GasMeterPoint, ...] | None
    electricity: MatchResult | None
    gas: MatchResult | None


async def look_up(
    query: AddressQuery,
    fuels: FuelChoice,
    electricity: ElectricityEnquiry,
    gas: GasEnquiry,
) -> AddressLookup:
    """Both lookups in parallel (one service's failure is raised as is), then the match."""

    async def none() -> None:
        return None

    power, heat = await asyncio.gather(
        electricity.search(query.postcode) if fuels is not FuelChoice.GAS else none(),
        gas.search(query.postcode) if fuels is not FuelChoice.ELECTRICITY else none(),
    )
    matches = match_fuels(
        query,
        None if power is None else [p.candidate() for p in power],
        None if heat is None else [p.candidate() for p in heat],
    )
    return AddressLookup(query, power, heat, matches.electricity, matches.gas)
