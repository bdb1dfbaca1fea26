"""How a registration is told which story the simulator should play.

Chosen per request, first by the optional `simulatorScenario` field (which a real CSS
ignores), else by the meter point identifier: an MPAN core or MPRN starting `99`
(no real distributor or gas transporter uses it) picks the scenario with its third digit.
Everything else plays `happy`. The patterns are listed in the package docstring.

The field is the simulator's own: `ScenarioRequest` adds it to a registration request on
the way out (tests and demos send it through the ordinary CSS client), and the simulator
reads it back from the body beside the request CSS itself would parse.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from css.errors import InvalidMessage
from css.messages import RegistrationRequest, parse_registration_request
from css.wire import Fields

SCENARIO_FIELD = "simulatorScenario"


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
            f'registration request: unknown {SCENARIO_FIELD} "{name}" (allowed: {allowed})',
            SCENARIO_FIELD,
        ) from None
    if reason and scenario not in DEFAULT_REASON:
        raise InvalidMessage(
            f"registration request: scenario {scenario.value} takes no reason code",
            SCENARIO_FIELD,
        )
    return ScenarioChoice(scenario, reason.strip() or DEFAULT_REASON.get(scenario))


@dataclass(frozen=True)
class ScenarioRequest(RegistrationRequest):
    """A registration request naming the story the simulator should play."""

    scenario: str | None = None

    def to_wire(self) -> dict[str, Any]:
        wire = super().to_wire()
        if self.scenario is not None:
            wire[SCENARIO_FIELD] = self.scenario
        return wire


def parse_scenario_request(body: bytes) -> ScenarioRequest:
    """The registration request in `body`, with the scenario field when it has one."""
    request = parse_registration_request(body)
    scenario = Fields.from_body(body, "registration request").optional_text(SCENARIO_FIELD)
    fields = {f.name: getattr(request, f.name) for f in dataclasses.fields(request)}
    return ScenarioRequest(**fields, scenario=scenario)


def choose(request: RegistrationRequest) -> ScenarioChoice:
    if isinstance(request, ScenarioRequest) and request.scenario is not None:
        return parse_scenario(request.scenario)
    mpxn = request.mpxn
    if mpxn.startswith(PATTERN_PREFIX) and len(mpxn) > len(PATTERN_PREFIX):
        scenario = BY_THIRD_DIGIT.get(mpxn[len(PATTERN_PREFIX)], Scenario.HAPPY)
        return ScenarioChoice(scenario, DEFAULT_REASON.get(scenario))
    return ScenarioChoice(Scenario.HAPPY)
