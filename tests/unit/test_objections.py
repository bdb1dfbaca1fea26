"""The objection rules: grounds by sector, change of occupancy, erroneous transfer."""

from __future__ import annotations

import pytest

from domain.identifiers import MarketSector
from domain.objections import ObjectionGround, objection_refusal

D, N = MarketSector.DOMESTIC, MarketSector.NON_DOMESTIC
DEBT, CONTRACT = ObjectionGround.DEBT, ObjectionGround.CONTRACT


@pytest.mark.parametrize(
    ("ground", "sector", "occupancy", "erroneous", "refused"),
    [
        (DEBT, D, False, False, None),
        (DEBT, N, False, False, None),
        (CONTRACT, N, False, False, None),
        (CONTRACT, D, False, False, "only for debt"),
        (DEBT, D, True, False, "change-of-occupancy switch may not be objected to for debt"),
        (DEBT, N, True, False, "previous occupant's"),
        (CONTRACT, N, True, False, None),
        (DEBT, D, False, True, "erroneous-transfer indicator disables objections"),
        (CONTRACT, N, False, True, "erroneous-transfer"),
    ],
)
def test_objection_rules(
    ground: ObjectionGround,
    sector: MarketSector,
    occupancy: bool,
    erroneous: bool,
    refused: str | None,
) -> None:
    found = objection_refusal(
        ground, sector, change_of_occupancy=occupancy, erroneous_transfer=erroneous
    )
    if refused is None:
        assert found is None
    else:
        assert found is not None
        assert refused in found
