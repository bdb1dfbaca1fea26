"""LossWorkflow through every path: objected for debt, not objected on a change of occupancy,
lifted after payment, decided by an operator (or by the safety margin when nobody answers),
annulled, a pending loss after its window, CSS unreachable to the end, notifications resent
and out of order, and the final bill on time or late.

Time-skipping Temporal server, the real PostgreSQL event store, the in-memory CSS and
accounts behind their own interfaces. Every test ends by folding the loss's stream and
comparing it with the workflow's result (`Loss.finish`).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, time, timedelta

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import WorkflowUpdateFailedError

from css.losses import ObjectionRequest
from domain.accounts import AccountFacts
from domain.calendar import LONDON
from domain.identifiers import MarketSector
from domain.loss import final_bill_due, final_bill_overdue_at
from domain.loss_events import (
    DecidedBy,
    FinalBillOverdue,
    LossRequestSent,
    ObjectionAssessed,
    ObjectionDecided,
    ObjectionWindowMissed,
    RequestResult,
)
from domain.loss_notification import LossKind as K
from domain.loss_notification import LossStatus
from domain.loss_state import LossDecision
from domain.objection_policy import ReviewPolicy
from domain.objections import ObjectionGround
from tests.integration.workflow.conftest import Engine
from tests.integration.workflow.loss_support import NOBODY, Loss, Losses, debt
from workflows import search_attributes as sa
from workflows.loss_messages import (
    ANNUL_UPDATE,
    APPROVE_OBJECTION_UPDATE,
    DECLINE_OBJECTION_UPDATE,
    FINAL_BILL_SENT_UPDATE,
    LIFT_OBJECTION_UPDATE,
    FinalBillSentRequest,
    LossReason,
    LossUpdateResult,
    OperatorNote,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")
MARGIN = timedelta(seconds=NOBODY.safety_margin_seconds)


@pytest.fixture
def losses(engine: Engine) -> Losses:
    return Losses(engine)


async def update(loss: Loss, name: str, arg: object) -> LossUpdateResult:
    result: LossUpdateResult = await loss.handle.execute_update(
        name, arg, result_type=LossUpdateResult
    )
    return result


async def lost_customer(loss: Loss) -> None:
    """CSS completes the loss, and the SSD (when the final read is due) comes."""
    await loss.walk(K.CONFIRMED, K.SECURED, K.COMPLETED)
    await loss.wait_for(lambda s: s.status is LossStatus.LOST)
    await reach_the_ssd(loss)


async def reach_the_ssd(loss: Loss) -> None:
    ssd_morning = datetime.combine(loss.ssd, time(1), tzinfo=LONDON)
    await loss.rig.engine.env.sleep(max(ssd_morning - await loss.rig.now(), timedelta(0)))


def paid_up() -> AccountFacts:
    return AccountFacts("1312345678907", MarketSector.DOMESTIC)


class TestObjection:
    async def test_objected_for_debt(self, losses: Losses) -> None:
        loss = await losses.loss()
        losses.engine.accounts.put(debt((await losses.now()).date()))
        await loss.notify(K.PENDING)
        state = await loss.wait_for(lambda s: s.objection is not None)
        assert state.objection is not None
        assert state.objection.result is RequestResult.SENT
        assert state.decided_by is DecidedBy.POLICY
        [(action, registration_id, sent)] = losses.engine.css.loss_requests
        assert (action, registration_id) == ("objection", loss.registration_id)
        assert isinstance(sent, ObjectionRequest)
        assert [item.ground for item in sent.grounds] == [ObjectionGround.DEBT]
        assert sent.grounds[0].arrears_pence == 25_000
        await loss.notify(K.OBJECTED)
        final = await loss.finish(LossStatus.OBJECTED)
        assert final.decision_label is LossDecision.OBJECT
        described = await loss.handle.describe()
        assert described.typed_search_attributes.get(sa.DIRECTION) == sa.LOSS
        assert described.typed_search_attributes.get(sa.LOSS_STATUS) == "OBJECTED"
        assert described.typed_search_attributes.get(sa.LOSS_DECISION) == "OBJECT"

    async def test_change_of_occupancy_is_never_objected_to_for_debt(self, losses: Losses) -> None:
        loss = await losses.loss()
        losses.engine.accounts.put(debt((await losses.now()).date(), arrears=90_000))
        await loss.notify(K.PENDING, change_of_occupancy=True)
        state = await loss.wait_for(lambda s: s.decision is not None)
        assert state.decision_label is LossDecision.NO_OBJECTION
        assert state.assessment is not None
        assert any("previous occupant" in r for r in state.assessment.reasons)
        await lost_customer(loss)
        await update(loss, FINAL_BILL_SENT_UPDATE, FinalBillSentRequest())
        final = await loss.finish(LossStatus.LOST)
        assert final.final_read_due == loss.ssd
        assert losses.engine.css.loss_requests == []

    async def test_objection_lifted_after_payment(self, losses: Losses) -> None:
        loss = await losses.loss()
        losses.engine.accounts.put(debt((await losses.now()).date()))
        await loss.notify(K.PENDING)
        await loss.wait_for(lambda s: s.objection_standing)
        result = await update(loss, LIFT_OBJECTION_UPDATE, LossReason("the customer paid"))
        assert result.decision is LossDecision.LIFTED
        assert "CSS accepted it" in result.detail
        assert losses.engine.css.loss_actions(loss.registration_id) == ["objection", "lift"]
        await lost_customer(loss)
        await update(loss, FINAL_BILL_SENT_UPDATE, FinalBillSentRequest())
        await loss.finish(LossStatus.LOST)

    async def test_no_account_facts_means_no_objection(self, losses: Losses) -> None:
        loss = await losses.loss()
        await loss.notify(K.PENDING)
        # A person is asked, nobody answers, and the margin lets "no objection" stand.
        await loss.wait_for(lambda s: s.decision_label is LossDecision.AWAITING_OPERATOR)
        await losses.engine.env.sleep(loss.window_end - await losses.now() - MARGIN / 2)
        state = await loss.wait_for(lambda s: s.decision is not None)
        assert state.decided_by is DecidedBy.MARGIN
        await loss.walk(K.CONFIRMED, K.WITHDRAWN)
        await loss.finish(LossStatus.WITHDRAWN)
        assert losses.engine.css.loss_requests == []


class TestOperator:
    @pytest.fixture
    def losses(self, engine: Engine) -> Losses:
        return Losses(engine, replace(NOBODY, review=ReviewPolicy(arrears_above_pence=10_000)))

    async def test_decided_by_an_operator(self, losses: Losses) -> None:
        loss = await losses.loss()
        losses.engine.accounts.put(debt((await losses.now()).date()))
        await loss.notify(K.PENDING)
        await loss.wait_for(lambda s: s.decision_label is LossDecision.AWAITING_OPERATOR)
        assert losses.engine.css.loss_requests == []
        result = await update(loss, APPROVE_OBJECTION_UPDATE, OperatorNote("account checked"))
        assert result.decision is LossDecision.OBJECT
        assert "CSS accepted it" in result.detail
        await loss.notify(K.OBJECTED)
        final = await loss.finish(LossStatus.OBJECTED)
        assert final.decided_by is DecidedBy.OPERATOR

    async def test_an_operator_declines_and_nothing_is_sent(self, losses: Losses) -> None:
        loss = await losses.loss()
        losses.engine.accounts.put(debt((await losses.now()).date()))
        await loss.notify(K.PENDING)
        await loss.wait_for(lambda s: s.decision_label is LossDecision.AWAITING_OPERATOR)
        await update(loss, DECLINE_OBJECTION_UPDATE, OperatorNote("paid by phone"))
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await update(loss, APPROVE_OBJECTION_UPDATE, OperatorNote("changed my mind"))
        assert "decided already" in str(refused.value.cause)
        await loss.walk(K.CONFIRMED, K.WITHDRAWN)
        await loss.finish(LossStatus.WITHDRAWN)
        assert losses.engine.css.loss_requests == []

    async def test_an_operator_who_never_answers(self, losses: Losses) -> None:
        loss = await losses.loss()
        losses.engine.accounts.put(debt((await losses.now()).date()))
        await loss.notify(K.PENDING)
        await loss.wait_for(lambda s: s.decision_label is LossDecision.AWAITING_OPERATOR)
        # Just short of the margin nothing is decided; just past it, the policy's stands.
        await losses.engine.env.sleep(
            loss.window_end - await losses.now() - MARGIN - timedelta(minutes=1)
        )
        assert (await loss.wait_for(lambda s: True)).decision is None
        await losses.engine.env.sleep(timedelta(minutes=2))
        state = await loss.wait_for(lambda s: s.objection is not None)
        assert state.decided_by is DecidedBy.MARGIN
        events = await loss.events()
        decided = next(e for e in events if isinstance(e, ObjectionDecided))
        sent = next(e for e in events if isinstance(e, LossRequestSent))
        assert loss.window_end - MARGIN <= decided.at < loss.window_end
        assert sent.at < loss.window_end
        await loss.notify(K.OBJECTED)
        await loss.finish(LossStatus.OBJECTED)


class TestTiming:
    async def test_a_pending_loss_after_its_window_is_recorded_and_nothing_sent(
        self, losses: Losses
    ) -> None:
        loss = await losses.loss(window=-timedelta(minutes=5))
        losses.engine.accounts.put(debt((await losses.now()).date()))
        await loss.notify(K.PENDING)
        state = await loss.wait_for(lambda s: s.window_missed)
        assert state.decision_label is LossDecision.WINDOW_MISSED
        await loss.walk(K.CONFIRMED, K.WITHDRAWN)
        await loss.finish(LossStatus.WITHDRAWN)
        events = await loss.events()
        assert any(isinstance(e, ObjectionWindowMissed) for e in events)
        assert not any(isinstance(e, ObjectionAssessed) for e in events)
        assert losses.engine.css.loss_requests == []

    async def test_a_pending_loss_inside_the_margin_is_decided_and_sent_at_once(
        self, losses: Losses
    ) -> None:
        loss = await losses.loss(window=MARGIN / 3)
        losses.engine.accounts.put(debt((await losses.now()).date()))
        await loss.notify(K.PENDING)
        state = await loss.wait_for(lambda s: s.objection is not None)
        assert state.objection is not None
        assert state.objection.result is RequestResult.SENT
        await loss.notify(K.OBJECTED)
        await loss.finish(LossStatus.OBJECTED)

    async def test_css_unreachable_to_the_end_sends_nothing_after_the_window(
        self, losses: Losses
    ) -> None:
        loss = await losses.loss(window=MARGIN / 3)
        losses.engine.accounts.put(debt((await losses.now()).date()))
        losses.engine.css.loss_unavailable = 10_000
        await loss.notify(K.PENDING)
        await loss.wait_for(lambda s: s.decision is not None)
        # CSS answers 503 to every attempt; past the window the workflow has given up.
        await losses.engine.env.sleep(loss.window_end - await losses.now() + timedelta(minutes=1))
        state = await loss.wait_for(lambda s: s.objection is not None)
        assert state.objection is not None
        assert state.objection.result is RequestResult.NOT_SENT
        assert losses.engine.css.loss_requests == []
        await loss.walk(K.CONFIRMED, K.WITHDRAWN)
        await loss.finish(LossStatus.WITHDRAWN)

    async def test_resent_and_reordered_notifications_change_nothing(self, losses: Losses) -> None:
        loss = await losses.loss()
        await loss.notify(K.SECURED, message_id="L-secured")
        await loss.notify(K.PENDING, message_id="L-pending")
        await loss.notify(K.SECURED, message_id="L-secured")
        await loss.notify(K.CONFIRMED)
        state = await loss.wait_for(lambda s: len(s.seen_message_ids) == 3)
        assert state.status is LossStatus.SECURED
        assert state.decision is None  # the window was closed when CSS first spoke
        await loss.notify(K.COMPLETED)
        await loss.wait_for(lambda s: s.status is LossStatus.LOST)
        await reach_the_ssd(loss)
        await update(loss, FINAL_BILL_SENT_UPDATE, FinalBillSentRequest())
        await loss.finish(LossStatus.LOST)
        assert losses.engine.css.loss_requests == []


class TestAnnulment:
    async def test_annulled_before_secured(self, losses: Losses) -> None:
        loss = await losses.loss()
        losses.engine.accounts.put(paid_up())
        await loss.notify(K.PENDING)
        await loss.wait_for(lambda s: s.decision is not None)
        result = await update(loss, ANNUL_UPDATE, LossReason("the customer never agreed"))
        assert "CSS accepted it" in result.detail
        assert losses.engine.css.loss_actions(loss.registration_id) == ["annulment"]
        await loss.notify(K.ANNULLED, reason_code="ANNULLED_BY_LOSING_SUPPLIER")
        await loss.finish(LossStatus.ANNULLED)

    async def test_annulment_refused_once_secured(self, losses: Losses) -> None:
        loss = await losses.loss()
        await loss.walk(K.PENDING, K.CONFIRMED, K.SECURED)
        await loss.wait_for(lambda s: s.status is LossStatus.SECURED)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await update(loss, ANNUL_UPDATE, LossReason("too late"))
        assert "only until SECURED" in str(refused.value.cause)
        await loss.notify(K.COMPLETED)
        await loss.wait_for(lambda s: s.status is LossStatus.LOST)
        await reach_the_ssd(loss)
        await update(loss, FINAL_BILL_SENT_UPDATE, FinalBillSentRequest())
        await loss.finish(LossStatus.LOST)

    async def test_an_annulment_css_refuses_is_recorded_and_reported(self, losses: Losses) -> None:
        loss = await losses.loss()
        await loss.walk(K.PENDING, K.CONFIRMED)
        await loss.wait_for(lambda s: s.status is LossStatus.CONFIRMED)
        losses.engine.css.refuse_loss_with = "ALREADY_SECURED"
        result = await update(loss, ANNUL_UPDATE, LossReason("never agreed"))
        assert "CSS refused it (ALREADY_SECURED)" in result.detail
        await loss.walk(K.SECURED, K.COMPLETED)
        await loss.wait_for(lambda s: s.status is LossStatus.LOST)
        await reach_the_ssd(loss)
        await update(loss, FINAL_BILL_SENT_UPDATE, FinalBillSentRequest())
        await loss.finish(LossStatus.LOST)


class TestFinalBill:
    async def test_a_final_bill_not_sent_in_six_weeks_is_flagged_once(self, losses: Losses) -> None:
        loss = await losses.loss()
        await loss.walk(K.PENDING)
        await lost_customer(loss)
        due = final_bill_due(loss.ssd)
        await losses.engine.env.sleep(
            final_bill_overdue_at(due) - await losses.now() + timedelta(hours=1)
        )
        state = await loss.wait_for(lambda s: s.final_bill_overdue)
        assert state.compensation_pence == 3000
        described = await loss.handle.describe()
        assert described.typed_search_attributes.get(sa.FINAL_BILL) == "OVERDUE"
        assert described.typed_search_attributes.get(sa.COMPENSATION_DUE) is True
        result = await update(loss, FINAL_BILL_SENT_UPDATE, FinalBillSentRequest())
        assert "late" in result.detail
        await loss.finish(LossStatus.LOST)
        assert sum(isinstance(e, FinalBillOverdue) for e in await loss.events()) == 1
        described = await loss.handle.describe()
        assert described.typed_search_attributes.get(sa.FINAL_BILL) == "SENT_LATE"

    async def test_a_final_bill_before_the_due_date_is_on_time(self, losses: Losses) -> None:
        loss = await losses.loss()
        await loss.walk(K.PENDING)
        await lost_customer(loss)
        await losses.engine.env.sleep(timedelta(days=3))
        await update(loss, FINAL_BILL_SENT_UPDATE, FinalBillSentRequest())
        final = await loss.finish(LossStatus.LOST)
        assert not final.final_bill_overdue
        assert final.final_bill_due == final_bill_due(loss.ssd)


async def test_billing_facts_the_policy_did_not_see_are_not_used(losses: Losses) -> None:
    # The facts recorded with the assessment are the ones it was made on.
    loss = await losses.loss()
    on = (await losses.now()).date()
    facts = AccountFacts("1312345678907", MarketSector.DOMESTIC, 4_000, on - timedelta(days=10))
    losses.engine.accounts.put(facts)
    await loss.notify(K.PENDING)
    state = await loss.wait_for(lambda s: s.decision is not None)
    assert state.facts == facts
    assert state.decision_label is LossDecision.NO_OBJECTION
    await loss.walk(K.CONFIRMED, K.WITHDRAWN)
    await loss.finish(LossStatus.WITHDRAWN)


async def test_every_timer_and_activity_of_a_loss_has_a_summary(engine: Engine) -> None:
    losses = Losses(engine, replace(NOBODY, review=ReviewPolicy(arrears_above_pence=10_000)))
    loss = await losses.loss()
    losses.engine.accounts.put(debt((await losses.now()).date()))
    await loss.notify(K.PENDING)
    await loss.wait_for(lambda s: s.decision_label is LossDecision.AWAITING_OPERATOR)
    details = await current_details(loss, "waiting for an operator")
    assert details.startswith(f"**Loss {loss.registration_id}**: PENDING")
    await losses.engine.env.sleep(loss.window_end - await losses.now() - MARGIN / 2)
    await loss.wait_for(lambda s: s.objection_standing)
    await update(loss, LIFT_OBJECTION_UPDATE, LossReason("the customer paid"))
    await lost_customer(loss)
    await current_details(loss, "final bill due by")
    due = final_bill_due(loss.ssd)
    await losses.engine.env.sleep(
        final_bill_overdue_at(due) - await losses.now() + timedelta(hours=1)
    )
    await loss.wait_for(lambda s: s.final_bill_overdue)
    await update(loss, FINAL_BILL_SENT_UPDATE, FinalBillSentRequest())
    await loss.finish(LossStatus.LOST)

    history = await loss.handle.fetch_history()
    timers = [e for e in history.events if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED]
    activities = [
        e for e in history.events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    assert len(timers) >= 3  # the margin, CSS's answer to the lift, the final bill
    assert activities
    for event in [*timers, *activities]:
        assert event.user_metadata.HasField("summary"), event


async def current_details(loss: Loss, showing: str) -> str:
    """The loss's current details, once they show `showing` (queries do not skip time)."""
    async with asyncio.timeout(20):
        while True:
            metadata = await loss.handle.query(
                "__temporal_workflow_metadata", result_type=WorkflowMetadata
            )
            if showing in metadata.current_details:
                return str(metadata.current_details)
            await asyncio.sleep(0.05)
