"""The simulator's market: what it holds for each meter point, keyed by MPAN core or MPRN.

CSS holds every meter point's market sector and uses its own, not the request's; here each
meter point also names the story its registrations play (see `simulator.scenarios`) and,
when it plays an objection, the ground. A meter point the table does not hold is domestic
and plays `happy`. Tests and demos fill the table through `/control/meter-points` or a
JSON file given to `switching simulator --meter-points`:

    {"1312345678907": {"scenario": "object", "marketSector": "N", "objectionGround": "CONTRACT"},
     "2312345678903": {"scenario": "reject", "reasonCode": "METER_POINT_NOT_FOUND"}}
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from css.errors import InvalidMessage
from css.wire import Fields
from domain.identifiers import MarketSector
from domain.objections import ObjectionGround
from simulator.scenarios import DEFAULT_REASON, Scenario


@dataclass(frozen=True)
class MeterPoint:
    market_sector: MarketSector = MarketSector.DOMESTIC
    scenario: Scenario = Scenario.HAPPY
    #: The reason code of a rejection or an annulment (the scenario's default otherwise).
    reason_code: str | None = None
    #: The ground the losing supplier objects on, in the objecting scenarios.
    objection_ground: ObjectionGround = ObjectionGround.DEBT

    def __post_init__(self) -> None:
        if self.reason_code is not None and self.scenario not in DEFAULT_REASON:
            raise InvalidMessage(
                f"meter point: scenario {self.scenario.value} takes no reason code", "reasonCode"
            )

    @property
    def reason(self) -> str | None:
        return self.reason_code or DEFAULT_REASON.get(self.scenario)

    def to_wire(self) -> dict[str, Any]:
        return {
            "marketSector": self.market_sector.value,
            "scenario": self.scenario.value,
            "reasonCode": self.reason_code,
            "objectionGround": self.objection_ground.value,
        }

    @classmethod
    def from_fields(cls, fields: Fields) -> MeterPoint:
        """From its wire form; a field left out (or null) takes the default."""
        return cls(
            market_sector=_choice(fields, "marketSector", MarketSector.DOMESTIC),
            scenario=_choice(fields, "scenario", Scenario.HAPPY),
            reason_code=fields.optional_text("reasonCode"),
            objection_ground=_choice(fields, "objectionGround", ObjectionGround.DEBT),
        )


_E = TypeVar("_E", bound=StrEnum)


def _choice(fields: Fields, name: str, default: _E) -> _E:
    if fields.raw.get(name) is None:
        return default
    return fields.choice(name, type(default))


UNKNOWN = MeterPoint()


class MeterPoints:
    """The table; unknown meter points are domestic and happy."""

    def __init__(self, known: Mapping[str, MeterPoint] | None = None) -> None:
        self._known: dict[str, MeterPoint] = dict(known or {})

    def get(self, mpxn: str) -> MeterPoint:
        return self._known.get(mpxn, UNKNOWN)

    def put(self, mpxn: str, point: MeterPoint) -> None:
        self._known[mpxn] = point

    def __iter__(self) -> Iterator[tuple[str, MeterPoint]]:
        return iter(sorted(self._known.items()))

    @classmethod
    def from_file(cls, path: Path) -> MeterPoints:
        """The table in a JSON file (an object keyed by meter point); refusals name the key."""
        try:
            raw = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            raise InvalidMessage(f"meter points file {path}: {error}", "meterPoints") from None
        if not isinstance(raw, dict):
            raise InvalidMessage(f"meter points file {path}: expected a JSON object", "meterPoints")
        table: dict[str, MeterPoint] = {}
        for mpxn, entry in raw.items():
            if not isinstance(entry, dict):
                raise InvalidMessage(f"meter point {mpxn}: expected a JSON object", mpxn)
            table[mpxn] = MeterPoint.from_fields(Fields(entry, f"meter point {mpxn}"))
        return cls(table)
