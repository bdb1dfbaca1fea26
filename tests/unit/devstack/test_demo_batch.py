"""The demo batch: valid requests, the simulator plays the intended story for each, and a
resumed batch regenerates exactly the same switches."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devstack.demo.scenarios import BY_SLUG, SCENARIOS, Action, plan_batch
from domain.identifiers import MarketSector, parse_mpxn
from domain.lifecycle import Status
from simulator.scenarios import Scenario as Story
from workflows.signup import validate_request

#: The simulator story each demo scenario must have its meter point play.
CSS_STORY = {
    "happy": Story.HAPPY,
    "rejected": Story.REJECT,
    "objected": Story.OBJECT,
    "lifted": Story.OBJECT_THEN_LIFT,
    "held": Story.HAPPY,
    "withdrawn": Story.HAPPY,
    "too-late": Story.HAPPY,
    "gas": Story.HAPPY,
    "annulled": Story.ANNUL,
    "business": Story.HAPPY,
}

batch_ids = st.text(alphabet="0123456789abcdef", min_size=6, max_size=6)


@given(batch_ids)
def test_every_demo_request_passes_the_engines_own_validation(batch_id: str) -> None:
    for switch in plan_batch(batch_id, len(SCENARIOS)):
        checked = validate_request(switch.request(), timings=switch.timings(timedelta(minutes=1)))
        assert checked.details.mpxn == switch.mpxn
        assert checked.withdrawal_window_seconds == switch.scenario.withdrawal_window.seconds


@given(batch_ids)
def test_the_simulated_market_holds_the_story_and_sector_each_scenario_needs(
    batch_id: str,
) -> None:
    for switch in plan_batch(batch_id, len(SCENARIOS)):
        point = switch.meter_point()
        assert point.scenario is CSS_STORY[switch.scenario.slug]
        assert point.market_sector is switch.scenario.sector
        # The story is the market's, not the number's: every number is a valid one.
        parse_mpxn(switch.mpxn, switch.scenario.fuel)


def test_a_batch_cycles_through_every_scenario_and_covers_the_required_stories() -> None:
    batch = plan_batch("abc123", 24)
    assert [s.scenario for s in batch[: len(SCENARIOS)]] == list(SCENARIOS)
    assert batch[len(SCENARIOS)].scenario is SCENARIOS[0]
    expected = {s.slug: s.expected for s in SCENARIOS}
    assert expected["rejected"] is Status.REJECTED
    assert expected["objected"] is Status.OBJECTED
    assert expected["lifted"] is Status.ACTIVE
    assert BY_SLUG["held"].action is Action.WITHDRAW_HELD
    assert BY_SLUG["withdrawn"].action is Action.WITHDRAW_SUBMITTED
    assert BY_SLUG["too-late"].action is Action.WITHDRAW_SECURED
    assert BY_SLUG["business"].sector is MarketSector.NON_DOMESTIC
    assert len({s.switch_id for s in batch}) == 24


def test_a_resumed_batch_regenerates_the_same_switches() -> None:
    assert plan_batch("f00d42", 12) == plan_batch("f00d42", 12)
    assert plan_batch("f00d42", 12) != plan_batch("f00d43", 12)


def test_only_the_held_scenario_waits_long_enough_to_be_withdrawn_before_css() -> None:
    for scenario in SCENARIOS:
        long_hold = scenario.withdrawal_window >= timedelta(minutes=1)
        assert long_hold is (scenario.action is Action.WITHDRAW_HELD)


def test_an_empty_batch_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one switch"):
        plan_batch("abc123", 0)
