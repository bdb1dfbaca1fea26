"""The stories the simulator can play for a registration, and who chooses them.

The choice belongs to the simulated market, not to the request: each meter point the
simulator knows (`simulator.meter_points`) says which story its registrations play, with
the sector CSS holds for it. A real CSS receives the same request either way.
"""

from __future__ import annotations

from enum import StrEnum


class Scenario(StrEnum):
    HAPPY = "happy"
    REJECT = "reject"
    OBJECT = "object"
    OBJECT_THEN_LIFT = "object-then-lift"
    ANNUL = "annul"
    SLOW = "slow"
    MANUAL = "manual"


DEFAULT_REASON = {
    Scenario.REJECT: "METER_POINT_NOT_FOUND",
    Scenario.ANNUL: "ANNULLED_BY_LOSING_SUPPLIER",
}

#: The scenarios in which the losing supplier objects.
OBJECTING = frozenset({Scenario.OBJECT, Scenario.OBJECT_THEN_LIFT})
