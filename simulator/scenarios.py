"""How a registration is told which story the simulator should play.

Chosen per request, first by the optional `simulatorScenario` field (which a real CSS
ignores), else by the meter point identifier: an MPAN core or MPRN starting `99`
(no real distributor or gas transporter uses it) picks the scenario with its third digit.
Everything else plays `happy`. The patterns are listed in the package docstring.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from css.errors import InvalidMessage
from css.messages import RegistrationRequest


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

PATTERN_PREFIX = "99"
BY_THIRD_DIGIT = {
    "0": Scenario.HAPPY,
    "1": Scenario.REJECT,
    "2": Scenario.OBJECT,
    "3": Scenario.OBJECT_THEN_LIFT,
    "4": Scenario.ANNUL,
    "5": Scenario.SLOW,
    "6": Scenario.MANUAL,
}


@dataclass(frozen=True)
class ScenarioChoice:
    scenario: Scenario
    reason_code: str | None = None


def parse_scenario(text: str) -> ScenarioChoice:
    """`name` or `name:REASON_CODE` (the reason for reject and annul)."""
    name, _, reason = text.partition(":")
    try:
        scenario = Scenario(name.strip().lower())
    except ValueError:
        allowed = ", ".join(s.value for s in Scenario)
        raise InvalidMessage(
            f'registration request: unknown simulatorScenario "{name}" (allowed: {allowed})',
            "simulatorScenario",
        ) from None
    if reason and scenario not in DEFAULT_REASON:
        raise InvalidMessage(
            f"registration request: scenario {scenario.value} takes no reason code",
            "simulatorScenario",
        )
    return ScenarioChoice(scenario, reason.strip() or DEFAULT_REASON.get(scenario))


def choose(request: RegistrationRequest) -> ScenarioChoice:
    if request.simulator_scenario is not None:
        return parse_scenario(request.simulator_scenario)
    mpxn = request.mpxn
    if mpxn.startswith(PATTERN_PREFIX) and len(mpxn) > len(PATTERN_PREFIX):
        scenario = BY_THIRD_DIGIT.get(mpxn[len(PATTERN_PREFIX)], Scenario.HAPPY)
        return ScenarioChoice(scenario, DEFAULT_REASON.get(scenario))
    return ScenarioChoice(Scenario.HAPPY)
