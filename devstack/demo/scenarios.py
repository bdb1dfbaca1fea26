"""The demo batch: which stories it plays, and what the simulated market must hold for it.

The CSS simulator plays the story its meter-point table names for each meter point
(`simulator.meter_points`), so the demo puts every switch's meter point there before it
starts; withdrawals are the operator's side of the story, so the demo itself sends them at
the right moment. Meter point numbers are made up, with valid distributor ids and check
digits, and no real ones are used.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from domain.identifiers import (
    DNO_DISTRIBUTOR_IDS,
    IDNO_DISTRIBUTOR_IDS,
    Fuel,
    MarketSector,
    mpan_core_check_digit,
    mprn_check_digits,
)
from domain.lifecycle import Status
from simulator.meter_points import MeterPoint
from simulator.scenarios import Scenario as Story
from workflows.signup import SwitchRequest, SwitchTimings

_DISTRIBUTOR_IDS = (*DNO_DISTRIBUTOR_IDS, *IDNO_DISTRIBUTOR_IDS)

#: Long enough for the demo to withdraw, even across a restart of the stack.
HELD_WINDOW = timedelta(minutes=5)
SHORT_WINDOW = timedelta(seconds=2)
DEMO_SHIPPER = "SHIP"


class Action(StrEnum):
    """What the operator does during a scenario; each waits for its moment."""

    NONE = "none"
    WITHDRAW_HELD = "withdraw while held"
    WITHDRAW_SUBMITTED = "withdraw once with CSS"
    WITHDRAW_SECURED = "withdraw once secured"


@dataclass(frozen=True)
class Scenario:
    slug: str
    title: str
    expected: Status
    story: Story = Story.HAPPY
    action: Action = Action.NONE
    fuel: Fuel = Fuel.ELECTRICITY
    sector: MarketSector = MarketSector.DOMESTIC

    @property
    def withdrawal_window(self) -> timedelta:
        return HELD_WINDOW if self.action is Action.WITHDRAW_HELD else SHORT_WINDOW


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("happy", "happy path", Status.ACTIVE),
    Scenario("rejected", "CSS rejects", Status.REJECTED, Story.REJECT),
    Scenario("objected", "objection stands", Status.OBJECTED, Story.OBJECT),
    Scenario("lifted", "objection lifted", Status.ACTIVE, Story.OBJECT_THEN_LIFT),
    Scenario("held", "withdrawn in window", Status.WITHDRAWN, action=Action.WITHDRAW_HELD),
    Scenario(
        "withdrawn",
        "withdrawn at CSS",
        Status.WITHDRAWN,
        action=Action.WITHDRAW_SUBMITTED,
    ),
    Scenario(
        "too-late",
        "withdrawal refused",
        Status.ACTIVE,
        action=Action.WITHDRAW_SECURED,
    ),
    Scenario("gas", "gas, happy path", Status.ACTIVE, fuel=Fuel.GAS),
    Scenario("annulled", "annulled by losing side", Status.ANNULLED, Story.ANNUL),
    Scenario(
        "business",
        "non-domestic",
        Status.ACTIVE,
        sector=MarketSector.NON_DOMESTIC,
    ),
)

BY_SLUG = {scenario.slug: scenario for scenario in SCENARIOS}


@dataclass(frozen=True)
class DemoSwitch:
    switch_id: str
    scenario: Scenario
    mpxn: str

    def request(self) -> SwitchRequest:
        gas = self.scenario.fuel is Fuel.GAS
        return SwitchRequest(
            switch_id=self.switch_id,
            fuel=self.scenario.fuel.value,
            mpxn=self.mpxn,
            market_sector=self.scenario.sector.value,
            shipper_id=DEMO_SHIPPER if gas else None,
        )

    def meter_point(self) -> MeterPoint:
        """What the simulated market must hold for this switch's meter point."""
        return MeterPoint(market_sector=self.scenario.sector, scenario=self.scenario.story)

    def timings(self, reconcile_grace: timedelta) -> SwitchTimings:
        return SwitchTimings(
            withdrawal_window=self.scenario.withdrawal_window, reconcile_grace=reconcile_grace
        )


def plan_batch(batch_id: str, size: int) -> list[DemoSwitch]:
    """`size` switches cycling through every scenario, numbered from 1."""
    if size < 1:
        raise ValueError(f"a demo needs at least one switch, got {size}")
    # Seeded by the batch id, so a resumed batch regenerates the same meter points.
    rng = random.Random(batch_id)
    batch: list[DemoSwitch] = []
    for index in range(size):
        scenario = SCENARIOS[index % len(SCENARIOS)]
        switch_id = f"demo-{batch_id}-{index + 1:02d}-{scenario.slug}"
        batch.append(DemoSwitch(switch_id, scenario, meter_point(scenario, rng)))
    return batch


def meter_point(scenario: Scenario, rng: random.Random) -> str:
    """A made-up meter point number for `scenario`'s fuel, valid in every part."""
    if scenario.fuel is Fuel.GAS:
        body = _digits(str(rng.randint(1, 9)), 8, rng)
        return body + mprn_check_digits(body)
    first_twelve = _digits(f"{rng.choice(_DISTRIBUTOR_IDS):02d}", 12, rng)
    return first_twelve + str(mpan_core_check_digit(first_twelve))


def _digits(head: str, length: int, rng: random.Random) -> str:
    return head + "".join(str(rng.randint(0, 9)) for _ in range(length - len(head)))
