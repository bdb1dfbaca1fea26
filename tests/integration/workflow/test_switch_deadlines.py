"""SwitchWorkflow's deadlines under the supply-date rules, on the time-skipping server.

A timer fires only at the gate closure of the target or backstop SSD, asks CSS what it
holds, and lets the decider judge by the SSD; a late SECURED clears a flag; compensation
owed keeps the switch open for an operator's waiver. Also here: notifications that are not
the switch's own, and the market sector CSS holds.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from temporalio.client import WorkflowExecutionStatus, WorkflowUpdateFailedError

from css.messages import CssStatus
from domain.calendar import LONDON, england_and_wales
from domain.identifiers import MarketSector
from domain.lifecycle import NotificationKind as K
from domain.lifecycle import Status
from domain.switch import SwitchState
from tests.integration.workflow.conftest import Engine
from workflows import search_attributes as sa
from workflows.messages import WAIVE_COMPENSATION_UPDATE, WaiveCompensationRequest

pytestmark = pytest.mark.asyncio(loop_scope="session")
CAL = england_and_wales()


async def skip_past(engine: Engine, state: SwitchState, instant: datetime | None) -> None:
    """Skip the shared clock to a minute after `instant` (the workflow's time is
    `state.updated_at` or later)."""
    assert instant is not None
    await engine.env.sleep(instant - state.updated_at + timedelta(minutes=1))


def flag_events(types: list[str]) -> list[str]:
    judged = {"TargetMissed", "TargetMissCleared", "CompensationOwed", "CompensationCleared"}
    return [t for t in types if t in judged]


class TestGateClosureTimers:
    async def test_target_gate_closure_passed_unsecured_misses_the_target(
        self, engine: Engine
    ) -> None:
        handle = await engine.start()
        state = await engine.submitted(handle)
        assert state.registration_id is not None
        await engine.notify(handle, K.VALIDATED)
        engine.css.statuses[state.registration_id] = CssStatus.CONFIRMED
        await skip_past(engine, state, state.target_gate_closure)
        missed = await engine.wait_for(handle, lambda s: s.deadline_missed)
        assert not missed.compensation_due
        described = await handle.describe()
        assert described.typed_search_attributes.get(sa.DEADLINE_MISSED) is True
        assert missed.target_supply_start_date is not None
        late = missed.target_supply_start_date + timedelta(days=1)
        await engine.notify(handle, K.CONFIRMED)
        await engine.notify(handle, K.SECURED, supply_start_date=late)
        await engine.notify(handle, K.ACTIVE, supply_start_date=late)
        final = await engine.finish(handle, Status.ACTIVE)
        assert final.deadline_missed
        assert flag_events(await engine.stream_types(handle.id)) == ["TargetMissed"]

    async def test_backstop_missed_owes_thirty_pounds_and_waits_for_a_waiver(
        self, engine: Engine
    ) -> None:
        handle = await engine.start()
        state = await engine.submitted(handle)
        await engine.notify(handle, K.VALIDATED)
        await skip_past(engine, state, state.backstop_gate_closure)
        owed = await engine.wait_for(handle, lambda s: s.compensation_due)
        assert (owed.deadline_missed, owed.compensation_pence) == (True, 3000)
        described = await handle.describe()
        assert described.typed_search_attributes.get(sa.COMPENSATION_DUE) is True
        assert owed.backstop_supply_start_date is not None
        late = owed.backstop_supply_start_date + timedelta(days=3)
        await engine.notify(handle, K.CONFIRMED)
        await engine.notify(handle, K.SECURED, supply_start_date=late)
        await engine.notify(handle, K.ACTIVE, supply_start_date=late)
        ended = await engine.wait_for(handle, lambda s: s.terminal)
        assert ended.compensation_due
        # Ended but still owed: the switch stays open for an operator's decision.
        described = await handle.describe()
        assert described.status is WorkflowExecutionStatus.RUNNING
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(WAIVE_COMPENSATION_UPDATE, WaiveCompensationRequest(" "))
        assert "a waiver needs a reason" in str(refused.value.cause)
        assert await engine.waive(handle, "customer asked for the later date") == 3000
        final = await engine.finish(handle, Status.ACTIVE)
        assert final.compensation_waived
        assert not final.compensation_due
        assert final.compensation_waiver_reason == "customer asked for the later date"
        types = await engine.stream_types(handle.id)
        assert flag_events(types) == ["TargetMissed", "CompensationOwed"]
        assert types.count("CompensationWaived") == 1
        described = await handle.describe()
        assert described.typed_search_attributes.get(sa.COMPENSATION_DUE) is False

    async def test_css_secured_on_time_is_read_back_and_never_flagged(self, engine: Engine) -> None:
        handle = await engine.start()
        state = await engine.submitted(handle)
        assert state.registration_id is not None
        await engine.notify(handle, K.VALIDATED)
        # CSS secured it for the target SSD, but its SECURED notification never came.
        engine.css.statuses[state.registration_id] = CssStatus.SECURED
        assert state.target_supply_start_date is not None
        ssd = state.target_supply_start_date
        engine.css.supply_start_dates[state.registration_id] = ssd
        await skip_past(engine, state, state.target_gate_closure)
        secured = await engine.wait_for(handle, lambda s: s.status is Status.SECURED)
        assert not secured.deadline_missed
        await engine.notify(handle, K.ACTIVE, supply_start_date=ssd)
        final = await engine.finish(handle, Status.ACTIVE)
        assert (final.deadline_missed, final.compensation_due) == (False, False)
        types = await engine.stream_types(handle.id)
        assert flag_events(types) == []
        described = await handle.describe()
        assert described.typed_search_attributes.get(sa.DEADLINE_MISSED) is False

    async def test_a_late_secured_for_an_on_time_ssd_clears_the_flag(self, engine: Engine) -> None:
        handle = await engine.start()
        state = await engine.submitted(handle)
        await engine.notify(handle, K.VALIDATED)
        await skip_past(engine, state, state.target_gate_closure)
        await engine.wait_for(handle, lambda s: s.deadline_missed)
        assert state.target_supply_start_date is not None
        assert state.target_gate_closure is not None
        on_time = state.target_supply_start_date
        await engine.notify(handle, K.CONFIRMED)
        await engine.notify(
            handle, K.SECURED, supply_start_date=on_time, occurred_at=state.target_gate_closure
        )
        cleared = await engine.wait_for(handle, lambda s: s.status is Status.SECURED)
        assert not cleared.deadline_missed
        described = await handle.describe()
        assert described.typed_search_attributes.get(sa.DEADLINE_MISSED) is False
        await engine.notify(handle, K.ACTIVE, supply_start_date=on_time)
        await engine.finish(handle, Status.ACTIVE)
        types = await engine.stream_types(handle.id)
        assert flag_events(types) == ["TargetMissed", "TargetMissCleared"]

    async def test_a_later_ssd_the_customer_chose_is_met_even_when_active_comes_after_midnight(
        self, engine: Engine
    ) -> None:
        # The shared time-skipping clock may be weeks ahead of the wall clock.
        chosen = (await engine.env.get_current_time()).date() + timedelta(days=20)
        handle = await engine.start(requested_supply_start_date=chosen)
        state = await engine.submitted(handle)
        assert state.target_supply_start_date == state.backstop_supply_start_date == chosen
        assert state.supply_start_date == chosen
        await engine.notify(handle, K.VALIDATED, supply_start_date=chosen)
        await engine.notify(handle, K.CONFIRMED)
        await engine.notify(handle, K.SECURED, supply_start_date=chosen)
        await engine.wait_for(handle, lambda s: s.status is Status.SECURED)
        midnight = datetime.combine(chosen, time(0), tzinfo=LONDON)
        await skip_past(engine, state, midnight + timedelta(hours=1))
        await engine.notify(handle, K.ACTIVE, supply_start_date=chosen)
        final = await engine.finish(handle, Status.ACTIVE)
        assert (final.deadline_missed, final.compensation_due) == (False, False)
        assert flag_events(await engine.stream_types(handle.id)) == []


class TestRequestDay:
    async def test_dates_are_reckoned_from_when_css_says_it_received_the_request(
        self, engine: Engine
    ) -> None:
        # CSS's clock, not ours: a Friday 17:01 receipt starts the clock on Monday.
        friday_1701 = datetime(2027, 3, 12, 17, 1, tzinfo=LONDON)
        engine.css.received_at = friday_1701
        handle = await engine.start()
        state = await engine.submitted(handle)
        expected = CAL.supply_deadlines(friday_1701, MarketSector.DOMESTIC)
        assert state.request_received_at == friday_1701
        assert state.request_day == expected.request_day == datetime(2027, 3, 15).date()
        assert state.target_supply_start_date == expected.target_supply_start_date
        assert state.backstop_gate_closure == expected.backstop_gate_closure
        assert state.submitted_at != friday_1701  # our own clock, kept apart
        await engine.notify(handle, K.REJECTED, reason_code="X")
        await engine.finish(handle, Status.REJECTED)


class TestNotificationsThatAreNotOurs:
    async def test_another_registration_or_meter_point_is_recorded_unmatched(
        self, engine: Engine
    ) -> None:
        handle = await engine.start()
        await engine.submitted(handle)
        await engine.notify(handle, K.VALIDATED)
        before = await engine.wait_for(handle, lambda s: s.status is Status.PENDING)
        await engine.notify(handle, K.SECURED, registration_id="REG-STRANGER")
        await engine.notify(handle, K.REJECTED, mpxn="1234567890128", reason_code="X")
        after = await engine.wait_for(handle, lambda s: s.unmatched_notifications == 2)
        assert after.status is Status.PENDING
        assert after.registration_id == before.registration_id
        assert after.supply_start_date == before.supply_start_date
        types = await engine.stream_types(handle.id)
        assert types.count("NotificationUnmatched") == 2
        await engine.notify(handle, K.CONFIRMED)
        await engine.notify(handle, K.SECURED)
        await engine.notify(handle, K.ACTIVE)
        await engine.finish(handle, Status.ACTIVE)


class TestSectorHeldByCss:
    async def test_css_sector_is_recorded_and_the_deadlines_follow_it(self, engine: Engine) -> None:
        handle = await engine.start()
        state = await engine.submitted(handle)
        assert state.details.market_sector is MarketSector.DOMESTIC
        assert state.submitted_at is not None
        await engine.notify(handle, K.VALIDATED, market_sector=MarketSector.NON_DOMESTIC)
        moved = await engine.wait_for(
            handle, lambda s: s.deadlines_market_sector is MarketSector.NON_DOMESTIC
        )
        expected = CAL.supply_deadlines(state.submitted_at, MarketSector.NON_DOMESTIC)
        assert moved.held_market_sector is MarketSector.NON_DOMESTIC
        assert moved.target_supply_start_date == expected.target_supply_start_date
        assert moved.target_gate_closure == expected.target_gate_closure
        assert moved.supply_start_date == state.supply_start_date  # CSS's own date stands
        types = await engine.stream_types(handle.id)
        assert types.count("MarketSectorCorrected") == 1
        assert types.count("SupplyDeadlinesComputed") == 2
        await engine.notify(handle, K.CONFIRMED)
        await engine.notify(handle, K.SECURED)
        await engine.notify(handle, K.ACTIVE)
        await engine.finish(handle, Status.ACTIVE)
