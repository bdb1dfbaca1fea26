"""When the losing supplier may object to a switch, and on which grounds.

Domestic switches may be objected to only for debt (modelled: arrears more than 28 days
overdue); non-domestic ones for debt or an unexpired fixed-term contract. The erroneous-
transfer indicator switches the objection test off, and on a change of occupancy a debt
objection is not allowed: the debt is the previous occupant's.
"""

from __future__ import annotations

from enum import StrEnum

from domain.identifiers import MarketSector


class ObjectionGround(StrEnum):
    DEBT = "DEBT"
    CONTRACT = "CONTRACT"


def objection_refusal(
    ground: ObjectionGround,
    sector: MarketSector,
    *,
    change_of_occupancy: bool,
    erroneous_transfer: bool,
) -> str | None:
    """Why an objection on `ground` is not allowed, or None when it is.

    `sector` is the one CSS holds for the meter point, not the one the request gave.
    """
    if erroneous_transfer:
        return "the erroneous-transfer indicator disables objections"
    if ground is ObjectionGround.CONTRACT and sector is MarketSector.DOMESTIC:
        return "a domestic switch may be objected to only for debt"
    if ground is ObjectionGround.DEBT and change_of_occupancy:
        return (
            "a change-of-occupancy switch may not be objected to for debt "
            "(the debt is the previous occupant's)"
        )
    return None
