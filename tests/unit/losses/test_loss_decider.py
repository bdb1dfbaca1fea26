"""The loss decider: notifications in any order, the objection decision and its timing, our
requests to CSS, and the final bill judged on London dates."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.accounts import AccountFacts
from domain.events import EVENT_TYPES as SWITCH_EVENT_TYPES
from domain.identifiers import Fuel, MarketSector
from domain.loss import (
    ApplyLossNotification,
    DecideAtMargin,
    LossCommand,
    LossRefused,
    MarkFinalBillOverdue,
    OperatorDecision,
    RecordAssessment,
    RecordFinalBillSent,
    RecordRequestOutcome,
    RequestAnnulment,
    RequestLift,
    decide,
    final_bill_due,
    final_bill_overdue_at,
    fold,
)
from domain.loss_events import (
    LOSS_EVENT_TYPES,
    DecidedBy,
    FinalBillOverdue,
    LossEvent,
    LossRequest,
    ObjectionWindowMissed,
    RequestResult,
    loss_event_from_record,
    loss_event_to_record,
)
from domain.loss_notification import LossKind, LossNotification, LossStatus
from domain.loss_state import LossDecision, LossState, RequestOutcome
from domain.objection_policy import LossCase, Proposal, ReviewPolicy, assess

REG = "REG-LOSS-1"
MPAN = "1312345678907"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday
WINDOW_END = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
SSD = date(2026, 3, 4)
_ids = itertools.count(1)


def told(kind: LossKind, at: datetime = T0, **fields: object) -> LossNotification:
    base: dict[str, object] = {}
    if kind is LossKind.PENDING:
        base = {
            "fuel": Fuel.ELECTRICITY,
            "market_sector": MarketSector.DOMESTIC,
            "gaining_supplier_id": "OTHR",
            "objection_window_end": WINDOW_END,
            "supply_start_date": SSD,
        }
    if kind in (LossKind.SECURED, LossKind.COMPLETED):
        base = {"supply_start_date": SSD}
    return LossNotification(
        message_id=str(fields.pop("message_id", f"M-{next(_ids)}")),
        kind=kind,
        registration_id=REG,
        mpxn=MPAN,
        occurred_at=at,
        **(base | fields),  # type: ignore[arg-type]
    )


def run(*commands: LossCommand, state: LossState | None = None) -> tuple[LossState, list]:  # type: ignore[type-arg]
    events: list[LossEvent] = []
    for command in commands:
        produced = decide(state, command)
        events += produced
        state = fold(produced, state)
    assert state is not None
    return state, events


def pending(at: datetime = T0, **fields: object) -> ApplyLossNotification:
    return ApplyLossNotification(told(LossKind.PENDING, at, **fields), at)


def debt(arrears: int = 20_000, days: int = 40) -> AccountFacts:
    return AccountFacts(MPAN, MarketSector.DOMESTIC, arrears, T0.date() - timedelta(days=days))


def assessed(facts: AccountFacts | None, review: ReviewPolicy | None = None) -> RecordAssessment:
    case = LossCase(MarketSector.DOMESTIC, SSD)
    policy = review or ReviewPolicy(arrears_above_pence=None)
    return RecordAssessment(assess(facts, case, T0.date(), policy), facts, T0)


def sent(request: LossRequest, at: datetime = T0) -> RecordRequestOutcome:
    return RecordRequestOutcome(RequestOutcome(request, RequestResult.SENT, f"m-{request}", at))


class TestNotifications:
    def test_the_pending_loss_opens_the_loss_with_its_particulars(self) -> None:
        state, events = run(pending())
        assert state.loss_id == REG
        assert state.status is LossStatus.PENDING
        assert state.objection_window_end == WINDOW_END
        assert state.gaining_supplier_id == "OTHR"
        assert state.decision_label is LossDecision.UNDECIDED
        assert len(events) == 1

    def test_a_resent_message_changes_nothing(self) -> None:
        state, _ = run(pending(message_id="M-same"))
        assert decide(state, pending(message_id="M-same")) == []

    def test_a_notification_of_another_registration_is_refused(self) -> None:
        state, _ = run(pending())
        other = ApplyLossNotification(
            LossNotification("M-x", LossKind.CONFIRMED, "REG-OTHER", MPAN, T0), T0
        )
        with pytest.raises(LossRefused, match="REG-OTHER"):
            decide(state, other)

    def test_an_earlier_stage_arriving_late_is_recorded_stale(self) -> None:
        state, _ = run(
            pending(),
            ApplyLossNotification(told(LossKind.COMPLETED), T0),
            ApplyLossNotification(told(LossKind.SECURED), T0),
        )
        assert state.status is LossStatus.LOST
        assert state.final_read_due is None  # a stale SECURED asks for nothing

    def test_a_pending_loss_after_its_window_is_recorded_and_never_decided(self) -> None:
        state, events = run(pending(at=WINDOW_END))
        assert isinstance(events[-1], ObjectionWindowMissed)
        assert state.decision_label is LossDecision.WINDOW_MISSED
        with pytest.raises(LossRefused, match="after its window"):
            decide(state, assessed(debt()))
        assert decide(state, DecideAtMargin(WINDOW_END)) == []

    def test_a_pending_loss_a_second_before_the_window_closes_is_not_missed(self) -> None:
        state, _ = run(pending(at=WINDOW_END - timedelta(seconds=1)))
        assert not state.window_missed


class TestDecision:
    def test_a_clear_case_is_decided_by_the_policy_at_once(self) -> None:
        state, _ = run(pending(), assessed(debt()))
        assert state.decision is Proposal.OBJECT
        assert state.decided_by is DecidedBy.POLICY

    def test_a_large_debt_waits_for_an_operator_who_approves(self) -> None:
        review = ReviewPolicy(arrears_above_pence=10_000)
        state, _ = run(pending(), assessed(debt(), review))
        assert state.decision_label is LossDecision.AWAITING_OPERATOR
        state, _ = run(OperatorDecision(True, "checked the account", T0), state=state)
        assert (state.decision, state.decided_by) == (Proposal.OBJECT, DecidedBy.OPERATOR)

    def test_an_operator_may_decline(self) -> None:
        state, _ = run(pending(), assessed(debt(), ReviewPolicy(10_000)))
        state, _ = run(OperatorDecision(False, "customer paid by phone", T0), state=state)
        assert state.decision_label is LossDecision.NO_OBJECTION

    def test_an_operator_cannot_approve_without_a_ground(self) -> None:
        state, _ = run(pending(), assessed(None))
        with pytest.raises(LossRefused, match="no ground"):
            decide(state, OperatorDecision(True, "", T0))

    def test_an_operator_cannot_decide_once_the_window_closed(self) -> None:
        state, _ = run(pending(), assessed(debt(), ReviewPolicy(10_000)))
        with pytest.raises(LossRefused, match="window closed"):
            decide(state, OperatorDecision(True, "", WINDOW_END))
        closed, _ = run(ApplyLossNotification(told(LossKind.CONFIRMED), T0), state=state)
        with pytest.raises(LossRefused, match="CSS closed"):
            decide(closed, OperatorDecision(False, "", T0))
        assert closed.decision_label is LossDecision.UNDECIDED

    def test_the_margin_lets_the_policy_stand_and_then_nobody_decides_again(self) -> None:
        state, _ = run(pending(), assessed(debt(), ReviewPolicy(10_000)), DecideAtMargin(T0))
        assert (state.decision, state.decided_by) == (Proposal.OBJECT, DecidedBy.MARGIN)
        with pytest.raises(LossRefused, match="decided already"):
            decide(state, OperatorDecision(False, "", T0))
        assert decide(state, DecideAtMargin(T0)) == []


class TestRequests:
    def test_an_objection_outcome_needs_a_decision_to_object(self) -> None:
        state, _ = run(pending(), assessed(None), DecideAtMargin(T0))
        with pytest.raises(LossRefused, match="objection request"):
            decide(state, sent(LossRequest.OBJECTION))

    def test_lift_only_a_standing_objection_inside_the_window(self) -> None:
        state, _ = run(pending(), assessed(debt()))
        with pytest.raises(LossRefused, match="no objection"):
            decide(state, RequestLift("paid", T0))
        state, _ = run(sent(LossRequest.OBJECTION), state=state)
        with pytest.raises(LossRefused, match="window closed"):
            decide(state, RequestLift("paid", WINDOW_END))
        state, _ = run(RequestLift("paid", T0), sent(LossRequest.LIFT), state=state)
        assert state.decision_label is LossDecision.LIFTED
        assert not state.objection_standing

    def test_a_refused_lift_may_be_asked_again(self) -> None:
        state, _ = run(pending(), assessed(debt()), sent(LossRequest.OBJECTION))
        refused = RecordRequestOutcome(
            RequestOutcome(LossRequest.LIFT, RequestResult.REFUSED, "m", T0, "X", "no")
        )
        state, _ = run(RequestLift("paid", T0), refused, state=state)
        assert state.objection_standing
        state, _ = run(RequestLift("paid", T0), state=state)
        assert state.lift_requested

    def test_annul_until_secured(self) -> None:
        state, _ = run(pending(), ApplyLossNotification(told(LossKind.CONFIRMED), T0))
        state, _ = run(RequestAnnulment("never agreed", T0), state=state)
        with pytest.raises(LossRefused, match="already with CSS"):
            decide(state, RequestAnnulment("again", T0))
        secured, _ = run(ApplyLossNotification(told(LossKind.SECURED), T0), state=state)
        with pytest.raises(LossRefused, match="only until SECURED"):
            decide(secured, RequestAnnulment("too late", T0))


class TestFinalBill:
    def lost(self) -> LossState:
        state, _ = run(
            pending(),
            ApplyLossNotification(told(LossKind.CONFIRMED), T0),
            ApplyLossNotification(told(LossKind.SECURED), T0),
            ApplyLossNotification(told(LossKind.COMPLETED), T0),
        )
        assert state.final_read_due == SSD
        assert state.final_bill_due == SSD + timedelta(weeks=6) == final_bill_due(SSD)
        return state

    def test_sent_on_the_due_date_is_on_time(self) -> None:
        due = final_bill_due(SSD)
        late_evening = datetime(due.year, due.month, due.day, 22, 59, tzinfo=UTC)  # 23:59 BST
        state, events = run(RecordFinalBillSent(late_evening), state=self.lost())
        assert state.closed
        assert not state.final_bill_overdue
        assert len(events) == 1

    def test_sent_the_day_after_owes_thirty_pounds_once(self) -> None:
        overdue_at = final_bill_overdue_at(final_bill_due(SSD))
        state, events = run(RecordFinalBillSent(overdue_at), state=self.lost())
        assert state.final_bill_overdue
        assert state.compensation_pence == 3000
        assert sum(isinstance(e, FinalBillOverdue) for e in events) == 1

    def test_the_overdue_timer_flags_once_and_only_after_the_due_date(self) -> None:
        overdue_at = final_bill_overdue_at(final_bill_due(SSD))
        state = self.lost()
        assert decide(state, MarkFinalBillOverdue(overdue_at - timedelta(seconds=1))) == []
        state, events = run(MarkFinalBillOverdue(overdue_at), state=state)
        assert len(events) == 1
        assert decide(state, MarkFinalBillOverdue(overdue_at)) == []
        state, events = run(RecordFinalBillSent(overdue_at), state=state)
        assert not any(isinstance(e, FinalBillOverdue) for e in events)
        assert state.closed

    def test_no_final_bill_before_the_final_read(self) -> None:
        state, _ = run(pending(), ApplyLossNotification(told(LossKind.SECURED), T0))
        with pytest.raises(LossRefused, match="final read is due"):
            decide(state, RecordFinalBillSent(T0))

    def test_a_loss_that_ended_otherwise_owes_no_bill(self) -> None:
        state, _ = run(pending(), ApplyLossNotification(told(LossKind.WITHDRAWN), T0))
        assert state.closed
        with pytest.raises(LossRefused, match="WITHDRAWN"):
            decide(state, RecordFinalBillSent(T0 + timedelta(days=9)))


def test_every_event_type_round_trips_through_its_record() -> None:
    state, events = run(
        pending(),
        assessed(debt()),
        sent(LossRequest.OBJECTION),
        RequestLift("paid", T0),
        sent(LossRequest.LIFT),
        ApplyLossNotification(told(LossKind.CONFIRMED), T0),
        RequestAnnulment("never agreed", T0),
        RecordRequestOutcome(
            RequestOutcome(LossRequest.ANNULMENT, RequestResult.NOT_SENT, "m", T0, None, "late")
        ),
        ApplyLossNotification(told(LossKind.SECURED), T0),
        ApplyLossNotification(told(LossKind.COMPLETED), T0),
        RecordFinalBillSent(final_bill_overdue_at(final_bill_due(SSD))),
    )
    assert {type(e).__name__ for e in events} >= set(LOSS_EVENT_TYPES) - {
        "ObjectionWindowMissed",
        "LossRequestRefused",
    }
    decoded = [loss_event_from_record(*loss_event_to_record(e), 1) for e in events]
    assert decoded == events
    assert fold(decoded) == state


def test_loss_events_are_never_read_as_switch_events() -> None:
    # Readers of the whole store (the switch read model, the audit) sort events by type.
    assert set(LOSS_EVENT_TYPES).isdisjoint(SWITCH_EVENT_TYPES)


# --- properties ------------------------------------------------------------------------------

LIFECYCLE = [
    LossKind.PENDING,
    LossKind.CONFIRMED,
    LossKind.SECURED,
    LossKind.COMPLETED,
]


@given(st.permutations(LIFECYCLE), st.lists(st.integers(0, 3), max_size=4))
def test_any_order_with_resends_ends_lost_and_never_goes_back(
    order: list[LossKind], resends: list[int]
) -> None:
    messages = [told(kind) for kind in order]
    deliveries = messages + [messages[i] for i in resends]
    state: LossState | None = None
    stages: list[int] = []
    for message in deliveries:
        state = fold(decide(state, ApplyLossNotification(message, T0)), state)
        assert state is not None
        stages.append(LIFECYCLE.index(_kind_of(state.status)))
    assert state is not None
    assert state.status is LossStatus.LOST
    assert stages == sorted(stages)
    assert len(state.seen_message_ids) == len(LIFECYCLE)


def _kind_of(status: LossStatus) -> LossKind:
    return {
        LossStatus.PENDING: LossKind.PENDING,
        LossStatus.CONFIRMED: LossKind.CONFIRMED,
        LossStatus.SECURED: LossKind.SECURED,
        LossStatus.LOST: LossKind.COMPLETED,
    }[status]


@given(st.integers(min_value=-3 * 86400, max_value=3 * 86400))
def test_a_pending_loss_is_missed_exactly_when_applied_at_or_after_its_window(
    offset: int,
) -> None:
    at = WINDOW_END + timedelta(seconds=offset)
    state, _ = run(ApplyLossNotification(told(LossKind.PENDING), at))
    assert state.window_missed == (at >= WINDOW_END)
