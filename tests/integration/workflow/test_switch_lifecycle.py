"""SwitchWorkflow through every row of the lifecycle table and every timer.

Time-skipping Temporal server, the real PostgreSQL event store, the in-memory CSS gateway.
Every test ends by folding the switch's stream through the decider and comparing it with the
workflow's own final state (`Engine.finish`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from css.messages import CssStatus
from domain.lifecycle import NotificationKind as K
from domain.lifecycle import Status
from tests.integration.workflow.conftest import WINDOW, Engine
from workflows import search_attributes as sa
from workflows.messages import WITHDRAW_UPDATE, WithdrawRequest, WithdrawResult

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def walk(engine: Engine, handle, *kinds: K) -> None:  # type: ignore[no-untyped-def]
    for kind in kinds:
        await engine.notify(handle, kind)


class TestLifecycleRows:
    async def test_withdrawal_inside_the_window_sends_nothing_to_css(self, engine: Engine) -> None:
        handle = await engine.start()
        await engine.wait_for(handle, lambda s: s.status is Status.REQUESTED)
        result = await handle.execute_update(
            WITHDRAW_UPDATE, WithdrawRequest("customer cancelled"), result_type=WithdrawResult
        )
        assert result.status is Status.WITHDRAWN
        await engine.finish(handle, Status.WITHDRAWN)
        assert engine.css.requests == []

    async def test_happy_path_to_active(self, engine: Engine) -> None:
        handle = await engine.start()
        state = await engine.submitted(handle)
        assert state.status is Status.SUBMITTED
        assert state.calendar_version is not None
        assert state.target_supply_start_date is not None
        assert state.supply_start_date is not None
        assert state.supply_start_date <= state.target_supply_start_date
        await walk(engine, handle, K.VALIDATED, K.CONFIRMED, K.SECURED, K.ACTIVE)
        final = await engine.finish(handle, Status.ACTIVE)
        assert not final.deadline_missed
        described = await handle.describe()
        assert described.typed_search_attributes.get(sa.SWITCH_STATUS) == "ACTIVE"
        assert described.typed_search_attributes.get(sa.FUEL) == "ELECTRICITY"

    async def test_rejection(self, engine: Engine) -> None:
        handle = await engine.start()
        await engine.submitted(handle)
        await engine.notify(handle, K.REJECTED, reason_code="MPXN_NOT_FOUND")
        final = await engine.finish(handle, Status.REJECTED)
        assert final.reason_code == "MPXN_NOT_FOUND"

    async def test_submission_refused_by_css_is_a_rejection(self, engine: Engine) -> None:
        engine.css.reject_with = "INVALID_SUPPLIER"
        handle = await engine.start()
        await engine.env.sleep(WINDOW + timedelta(seconds=1))
        final = await engine.finish(handle, Status.REJECTED)
        assert final.reason_code == "INVALID_SUPPLIER"

    async def test_objection_standing(self, engine: Engine) -> None:
        handle = await engine.start()
        await engine.submitted(handle)
        await walk(engine, handle, K.VALIDATED, K.OBJECTION_RAISED)
        await engine.wait_for(handle, lambda s: s.status is Status.OBJECTION_RECEIVED)
        await engine.notify(handle, K.OBJECTED)
        await engine.finish(handle, Status.OBJECTED)

    async def test_objection_lifted(self, engine: Engine) -> None:
        handle = await engine.start()
        await engine.submitted(handle)
        await walk(engine, handle, K.VALIDATED, K.OBJECTION_RAISED, K.OBJECTION_LIFTED)
        await engine.wait_for(handle, lambda s: s.status is Status.PENDING and s.version >= 6)
        await walk(engine, handle, K.CONFIRMED, K.SECURED, K.ACTIVE)
        await engine.finish(handle, Status.ACTIVE)

    async def test_annulment(self, engine: Engine) -> None:
        handle = await engine.start()
        await engine.submitted(handle)
        await walk(engine, handle, K.VALIDATED, K.CONFIRMED)
        await engine.notify(handle, K.ANNULLED, reason_code="ERRONEOUS")
        await engine.finish(handle, Status.ANNULLED)

    async def test_withdraw_after_submission_goes_to_css(self, engine: Engine) -> None:
        handle = await engine.start()
        state = await engine.submitted(handle)
        result = await handle.execute_update(
            WITHDRAW_UPDATE, WithdrawRequest("duplicate signup"), result_type=WithdrawResult
        )
        assert result.status is Status.SUBMITTED
        assert engine.css.withdrawals == [state.registration_id]
        await engine.notify(handle, K.WITHDRAWN)
        await engine.finish(handle, Status.WITHDRAWN)

    async def test_withdraw_refused_once_secured_tells_the_caller_why(self, engine: Engine) -> None:
        handle = await engine.start()
        await engine.submitted(handle)
        await walk(engine, handle, K.VALIDATED, K.CONFIRMED, K.SECURED)
        await engine.wait_for(handle, lambda s: s.status is Status.SECURED)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(WITHDRAW_UPDATE, WithdrawRequest("too late"))
        assert "switch is SECURED" in str(refused.value.cause)
        await engine.notify(handle, K.ACTIVE)
        await engine.finish(handle, Status.ACTIVE)

    async def test_withdraw_refused_by_css_is_recorded_and_reported(self, engine: Engine) -> None:
        handle = await engine.start()
        state = await engine.submitted(handle)
        assert state.registration_id is not None
        engine.css.statuses[state.registration_id] = CssStatus.SECURED  # CSS is ahead of us
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(WITHDRAW_UPDATE, WithdrawRequest("ops"))
        assert "ALREADY_SECURED" in str(refused.value.cause)
        await walk(engine, handle, K.VALIDATED, K.CONFIRMED, K.SECURED, K.ACTIVE)
        final = await engine.finish(handle, Status.ACTIVE)
        assert not final.withdrawal_requested


class TestTimers:
    async def test_objection_window_expiry_reconciles_with_css(self, engine: Engine) -> None:
        handle = await engine.start()
        state = await engine.submitted(handle)
        assert state.registration_id is not None
        assert state.objection_window_end is not None
        engine.css.statuses[state.registration_id] = CssStatus.CONFIRMED
        # Past the window end plus the one-hour grace: the workflow asks CSS.
        await engine.env.sleep(state.objection_window_end - state.updated_at + timedelta(hours=2))
        reconciled = await engine.wait_for(handle, lambda s: s.status is Status.CONFIRMED)
        assert reconciled.stuck is False
        await walk(engine, handle, K.SECURED, K.ACTIVE)
        await engine.finish(handle, Status.ACTIVE)

    async def test_silent_css_raises_the_stuck_flag(self, engine: Engine) -> None:
        handle = await engine.start()
        state = await engine.submitted(handle)
        assert state.registration_id is not None
        assert state.objection_window_end is not None
        engine.css.statuses[state.registration_id] = CssStatus.PENDING
        await engine.env.sleep(state.objection_window_end - state.updated_at + timedelta(hours=2))
        stuck = await engine.wait_for(handle, lambda s: s.stuck)
        assert stuck.status is Status.PENDING  # the timer decided nothing
        described = await handle.describe()
        assert described.typed_search_attributes.get(sa.SWITCH_STUCK) is True
        await walk(engine, handle, K.CONFIRMED, K.SECURED, K.ACTIVE)
        final = await engine.finish(handle, Status.ACTIVE)
        assert not final.stuck

    async def test_notification_three_weeks_late_is_still_applied(self, engine: Engine) -> None:
        handle = await engine.start()
        state = await engine.submitted(handle)
        assert state.registration_id is not None
        engine.css.statuses[state.registration_id] = CssStatus.PENDING
        await engine.notify(handle, K.VALIDATED)
        for _ in range(21):  # a day at a time, so each reconciliation runs as it would
            await engine.env.sleep(timedelta(days=1))
        waiting = await engine.wait_for(handle, lambda s: s.stuck and s.compensation_due)
        assert waiting.status is Status.PENDING
        late = datetime.now(UTC) + timedelta(weeks=3)
        await engine.notify(handle, K.CONFIRMED, occurred_at=late)
        await engine.wait_for(handle, lambda s: s.status is Status.CONFIRMED)
        assert waiting.backstop_supply_start_date is not None
        ssd = waiting.backstop_supply_start_date + timedelta(days=21)
        await engine.notify(handle, K.SECURED, supply_start_date=ssd)
        await engine.notify(handle, K.ACTIVE, supply_start_date=ssd)
        await engine.wait_for(handle, lambda s: s.terminal)
        await engine.waive(handle, "goodwill credit paid instead")
        final = await engine.finish(handle, Status.ACTIVE)
        assert final.deadline_missed
        assert final.compensation_waived


class TestUnreliableCss:
    async def test_duplicate_and_reordered_notifications(self, engine: Engine) -> None:
        handle = await engine.start()
        await engine.submitted(handle)
        validated = await engine.notify(handle, K.VALIDATED)
        await engine.notify(handle, K.VALIDATED, message_id=validated)  # resent by CSS
        await engine.notify(handle, K.SECURED)  # overtook CONFIRMED
        await engine.notify(handle, K.CONFIRMED)  # late: recorded, status not moved back
        state = await engine.wait_for(handle, lambda s: len(s.seen_message_ids) == 3)
        assert state.status is Status.SECURED
        await engine.notify(handle, K.ACTIVE)
        final = await engine.finish(handle, Status.ACTIVE)
        assert final.seen_message_ids.count(validated) == 1

    async def test_css_unavailable_then_success(self, engine: Engine) -> None:
        engine.css.unavailable_submits = 1
        handle = await engine.start()
        state = await engine.submitted(handle)
        assert state.status is Status.SUBMITTED
        assert len(engine.css.requests) == 2
        await walk(engine, handle, K.VALIDATED, K.CONFIRMED, K.SECURED, K.ACTIVE)
        await engine.finish(handle, Status.ACTIVE)

    async def test_accepted_but_answer_lost_makes_exactly_one_registration(
        self, engine: Engine
    ) -> None:
        engine.css.lose_first_ack = True
        handle = await engine.start()
        await engine.submitted(handle)
        assert len(engine.css.requests) == 2
        assert engine.css.registrations == 1
        await walk(engine, handle, K.VALIDATED, K.CONFIRMED, K.SECURED, K.ACTIVE)
        await engine.finish(handle, Status.ACTIVE)
