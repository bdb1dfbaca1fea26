"""Deadline flags under the supply-date rules: judged by the SSD CSS secures, on dates.

The property tests play a switch submitted at any instant of a year, in both sectors, with
CSS's notifications arriving in any order and the two gate-closure timers firing anywhere
among them, as the workflow does: each timer first reads the registration back from CSS
(what CSS holds at that instant), then asks the decider.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import LONDON, SupplyDeadlines, england_and_wales
from domain.events import (
    CompensationCleared,
    CompensationOwed,
    CompensationWaived,
    Event,
    MarketSectorCorrected,
    SupplyDeadlinesComputed,
    TargetMissCleared,
    TargetMissed,
)
from domain.identifiers import Fuel, MarketSector
from domain.lifecycle import NotificationKind, Status
from domain.notification import Notification
from domain.request import SwitchDetails
from domain.switch import (
    COMPENSATION_PENCE,
    ApplyNotification,
    Command,
    Deadline,
    PassGateClosure,
    RecordSubmission,
    RecordSupplyDeadlines,
    RequestSwitch,
    SwitchState,
    TransitionRefused,
    WaiveCompensation,
    Withdraw,
    decide,
    evolve,
)

CAL = england_and_wales()
K = NotificationKind
D, N = MarketSector.DOMESTIC, MarketSector.NON_DOMESTIC
REG = "REG-1"
MONDAY_10 = datetime(2026, 3, 9, 10, 0, tzinfo=LONDON)


def play(state: SwitchState | None, *commands: Command) -> tuple[SwitchState, list[Event]]:
    emitted: list[Event] = []
    for command in commands:
        for event in decide(state, command):
            emitted.append(event)
            state = evolve(state, event)
    assert state is not None
    return state, emitted


def record(deadlines: SupplyDeadlines, at: datetime | None = None) -> RecordSupplyDeadlines:
    return RecordSupplyDeadlines.of(deadlines, at or deadlines.submitted_at)


def submitted(
    at: datetime = MONDAY_10,
    sector: MarketSector = D,
    requested_ssd: date | None = None,
) -> tuple[SwitchState, SupplyDeadlines]:
    deadlines = CAL.supply_deadlines(at, sector, requested_ssd)
    details = SwitchDetails(Fuel.ELECTRICITY, "1312345678907", sector, requested_ssd)
    request = RequestSwitch("sw-1", details, at - timedelta(minutes=10))
    state, _ = play(
        None, request, record(deadlines, at), RecordSubmission(REG, "sw-1:registration", at)
    )
    return state, deadlines


def note(
    kind: NotificationKind,
    at: datetime,
    ssd: date | None = None,
    *,
    message_id: str | None = None,
    source: str = "css",
    **fields: object,
) -> ApplyNotification:
    told = Notification(
        message_id=message_id or f"{kind}-{at.isoformat()}",
        kind=kind,
        registration_id=REG,
        occurred_at=at,
        supply_start_date=ssd,
        **fields,  # type: ignore[arg-type]
    )
    return ApplyNotification(told, source)


def secured_at(ssd: date) -> datetime:
    return CAL.gate_closure(ssd)


def midnight(ssd: date) -> datetime:
    return datetime.combine(ssd, time(0), tzinfo=LONDON).astimezone(UTC)


def flags(events: list[Event]) -> list[type[Event]]:
    judged = (TargetMissed, TargetMissCleared, CompensationOwed, CompensationCleared)
    return [type(e) for e in events if isinstance(e, judged)]


class TestJudgedByTheSecuredSsd:
    def test_secured_for_the_earliest_ssd_raises_nothing(self) -> None:
        state, dl = submitted()
        ssd = dl.earliest_supply_start_date
        state, events = play(state, note(K.SECURED, secured_at(ssd), ssd))
        assert flags(events) == []
        assert not state.deadline_missed
        assert not state.compensation_due

    def test_secured_after_the_target_is_missed_once(self) -> None:
        state, dl = submitted()
        late = dl.target_supply_start_date + timedelta(days=1)
        state, events = play(
            state, note(K.SECURED, secured_at(late), late), note(K.ACTIVE, midnight(late), late)
        )
        assert flags(events) == [TargetMissed]
        (missed,) = events[1:2]
        assert missed == TargetMissed(dl.target_supply_start_date, late, secured_at(late))
        assert state.deadline_missed
        assert not state.compensation_due

    def test_secured_after_the_backstop_owes_thirty_pounds_once(self) -> None:
        state, dl = submitted()
        late = dl.backstop_supply_start_date + timedelta(days=1)
        state, events = play(
            state, note(K.SECURED, secured_at(late), late), note(K.ACTIVE, midnight(late), late)
        )
        assert flags(events) == [TargetMissed, CompensationOwed]
        owed = next(e for e in events if isinstance(e, CompensationOwed))
        assert (owed.pence, owed.supply_start_date) == (COMPENSATION_PENCE, late)
        assert (state.compensation_due, state.compensation_pence) == (True, 3000)

    def test_a_later_ssd_the_customer_chose_is_on_time_even_when_active_lands_at_midnight(
        self,
    ) -> None:
        chosen = date(2026, 3, 30)
        state, dl = submitted(requested_ssd=chosen)
        assert dl.target_supply_start_date == dl.backstop_supply_start_date == chosen
        commands = [
            note(K.SECURED, secured_at(chosen), chosen),
            PassGateClosure(Deadline.TARGET, secured_at(chosen)),
            note(K.ACTIVE, midnight(chosen), chosen),
            PassGateClosure(Deadline.BACKSTOP, midnight(chosen)),
        ]
        state, events = play(state, *commands)
        assert flags(events) == []
        assert state.status is Status.ACTIVE

    def test_active_without_secured_decides_from_its_ssd(self) -> None:
        state, dl = submitted()
        late = dl.target_supply_start_date + timedelta(days=2)
        state, events = play(state, note(K.ACTIVE, midnight(late), late))
        assert flags(events) == [TargetMissed]

    def test_secured_without_an_ssd_is_judged_by_the_one_css_validated(self) -> None:
        state, dl = submitted()
        late = dl.target_supply_start_date + timedelta(days=1)
        state, events = play(
            state,
            note(K.VALIDATED, dl.submitted_at, late),
            note(K.SECURED, secured_at(late)),
        )
        assert flags(events) == [TargetMissed]


class TestGateClosureTimer:
    def test_refused_before_the_gate_closure(self) -> None:
        state, dl = submitted()
        early = dl.target_gate_closure - timedelta(seconds=1)
        with pytest.raises(TransitionRefused, match="has not passed"):
            decide(state, PassGateClosure(Deadline.TARGET, early))

    def test_nothing_secured_at_the_target_gate_closure_misses_the_target_once(self) -> None:
        state, dl = submitted()
        tick = PassGateClosure(Deadline.TARGET, dl.target_gate_closure)
        state, events = play(state, tick, tick)
        assert events == [TargetMissed(dl.target_supply_start_date, None, tick.at)]
        assert not state.compensation_due

    def test_nothing_secured_at_the_backstop_gate_closure_owes_compensation_once(self) -> None:
        state, dl = submitted()
        tick = PassGateClosure(Deadline.BACKSTOP, dl.backstop_gate_closure)
        state, events = play(state, tick, tick)
        assert flags(events) == [CompensationOwed]

    def test_a_secured_or_ended_switch_is_not_flagged_by_a_timer(self) -> None:
        state, dl = submitted()
        ssd = dl.earliest_supply_start_date
        secured, _ = play(state, note(K.SECURED, secured_at(ssd), ssd))
        rejected, _ = play(state, note(K.REJECTED, dl.submitted_at, reason_code="X"))
        for ended in (secured, rejected):
            for deadline in Deadline:
                assert decide(ended, PassGateClosure(deadline, dl.backstop_gate_closure)) == []

    def test_switches_without_supply_deadlines_are_refused(self) -> None:
        state, dl = submitted()
        bare = dataclasses.replace(state, target_supply_start_date=None)
        with pytest.raises(TransitionRefused, match="not been computed"):
            decide(bare, PassGateClosure(Deadline.TARGET, dl.target_gate_closure))


class TestLateNotifications:
    def test_a_late_secured_for_an_on_time_ssd_clears_both_flags(self) -> None:
        state, dl = submitted()
        state, _ = play(
            state,
            PassGateClosure(Deadline.TARGET, dl.target_gate_closure),
            PassGateClosure(Deadline.BACKSTOP, dl.backstop_gate_closure),
        )
        assert state.deadline_missed
        assert state.compensation_due
        ssd = dl.earliest_supply_start_date
        state, events = play(state, note(K.SECURED, secured_at(ssd), ssd))
        assert flags(events) == [TargetMissCleared, CompensationCleared]
        assert events[1] == TargetMissCleared(dl.target_supply_start_date, ssd, secured_at(ssd))
        assert not state.deadline_missed
        assert (state.compensation_due, state.compensation_pence) == (False, 0)

    def test_a_late_secured_between_target_and_backstop_clears_only_the_compensation(
        self,
    ) -> None:
        state, dl = submitted()
        state, _ = play(
            state,
            PassGateClosure(Deadline.TARGET, dl.target_gate_closure),
            PassGateClosure(Deadline.BACKSTOP, dl.backstop_gate_closure),
        )
        ssd = dl.backstop_supply_start_date
        state, events = play(state, note(K.SECURED, secured_at(ssd), ssd))
        assert flags(events) == [CompensationCleared]
        assert state.deadline_missed

    def test_a_switch_that_had_ended_before_the_gate_closure_loses_its_flags(self) -> None:
        state, dl = submitted()
        state, _ = play(state, PassGateClosure(Deadline.TARGET, dl.target_gate_closure))
        # CSS rejected it at validation; the message arrives weeks late.
        state, events = play(state, note(K.REJECTED, dl.submitted_at, reason_code="X"))
        assert flags(events) == [TargetMissCleared]
        assert not state.deadline_missed

    def test_a_switch_withdrawn_after_its_target_passed_keeps_the_flag(self) -> None:
        state, dl = submitted()
        state, _ = play(
            state,
            PassGateClosure(Deadline.TARGET, dl.target_gate_closure),
            Withdraw("customer", dl.target_gate_closure + timedelta(hours=1)),
        )
        withdrawn_at = dl.target_gate_closure + timedelta(hours=2)
        state, events = play(state, note(K.WITHDRAWN, withdrawn_at))
        assert flags(events) == []
        assert state.deadline_missed


class TestWaiver:
    def owed(self) -> SwitchState:
        state, dl = submitted()
        state, _ = play(state, PassGateClosure(Deadline.BACKSTOP, dl.backstop_gate_closure))
        return state

    def test_the_waiver_is_recorded_with_its_reason(self) -> None:
        at = datetime(2026, 3, 20, tzinfo=UTC)
        state, events = play(self.owed(), WaiveCompensation("  customer asked to wait  ", at))
        assert events == [CompensationWaived("customer asked to wait", COMPENSATION_PENCE, at)]
        assert (state.compensation_due, state.compensation_pence) == (False, 0)
        assert state.compensation_waived
        assert state.compensation_waiver_reason == "customer asked to wait"

    def test_a_waived_payment_is_not_raised_again(self) -> None:
        state, _ = play(self.owed(), WaiveCompensation("goodwill paid", MONDAY_10))
        assert state.backstop_gate_closure is not None
        assert decide(state, PassGateClosure(Deadline.BACKSTOP, state.backstop_gate_closure)) == []
        late = date(2026, 4, 1)
        _, events = play(state, note(K.SECURED, secured_at(late), late))
        assert CompensationOwed not in flags(events)

    def test_refused_without_a_reason_or_without_anything_owed(self) -> None:
        with pytest.raises(TransitionRefused, match="needs a reason"):
            decide(self.owed(), WaiveCompensation("  ", MONDAY_10))
        with pytest.raises(TransitionRefused, match="no compensation is owed"):
            decide(submitted()[0], WaiveCompensation("why not", MONDAY_10))
        waived, _ = play(self.owed(), WaiveCompensation("once", MONDAY_10))
        with pytest.raises(TransitionRefused, match=r"already waived \(once\)"):
            decide(waived, WaiveCompensation("twice", MONDAY_10))


class TestSectorHeldByCss:
    def test_validated_with_another_sector_is_recorded_and_counts(self) -> None:
        state, dl = submitted(sector=D)
        validated = note(K.VALIDATED, dl.submitted_at, market_sector=N)
        state, events = play(state, validated)
        assert MarketSectorCorrected(D, N, dl.submitted_at) in events
        assert (state.details.market_sector, state.held_market_sector) == (D, N)
        assert state.effective_market_sector is N

    def test_the_same_sector_records_no_correction(self) -> None:
        state, dl = submitted(sector=N)
        _, events = play(state, note(K.VALIDATED, dl.submitted_at, market_sector=N))
        assert not any(isinstance(e, MarketSectorCorrected) for e in events)

    def test_deadlines_are_recomputed_only_for_the_sector_css_holds(self) -> None:
        state, dl = submitted(sector=D)
        with pytest.raises(TransitionRefused, match="already computed for market sector D"):
            decide(state, record(CAL.supply_deadlines(dl.submitted_at, N)))
        state, _ = play(state, note(K.VALIDATED, dl.submitted_at, market_sector=N))
        redone = CAL.supply_deadlines(dl.submitted_at, N)
        state, events = play(state, record(redone, dl.submitted_at + timedelta(minutes=5)))
        assert [type(e) for e in events] == [SupplyDeadlinesComputed]
        assert state.target_supply_start_date == dl.target_supply_start_date + timedelta(days=1)
        assert state.deadlines_market_sector is N
        assert state.status is Status.PENDING

    def test_a_flag_raised_under_the_wrong_sector_is_judged_again(self) -> None:
        monday_10 = MONDAY_10  # D target Wed 11, N target Thu 12
        state, dl = submitted(monday_10, sector=D)
        state, _ = play(state, PassGateClosure(Deadline.TARGET, dl.target_gate_closure))
        # VALIDATED (sector N) arrives late, just after the domestic target's gate closure.
        late = dl.target_gate_closure + timedelta(minutes=1)
        state, _ = play(state, note(K.VALIDATED, monday_10, market_sector=N, message_id="v"))
        state, events = play(state, record(CAL.supply_deadlines(monday_10, N), late))
        assert flags(events) == [TargetMissCleared]
        assert not state.deadline_missed


# --- properties ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Css:
    """What CSS holds for a registration validated at once and secured for `ssd`."""

    deadlines: SupplyDeadlines
    ssd: date

    def pushed(self) -> list[ApplyNotification]:
        dl, ssd = self.deadlines, self.ssd
        window_end = dl.objection_window_end
        return [
            note(K.VALIDATED, dl.submitted_at, ssd, objection_window_end=window_end),
            note(K.CONFIRMED, window_end),
            note(K.SECURED, secured_at(ssd), ssd),
            note(K.ACTIVE, midnight(ssd), ssd),
        ]

    def read_back(self, at: datetime, name: str) -> ApplyNotification:
        """The registration as CSS reports it at `at`, as the workflow's timer reads it."""
        kinds = [
            (midnight(self.ssd), K.ACTIVE),
            (secured_at(self.ssd), K.SECURED),
            (self.deadlines.objection_window_end, K.CONFIRMED),
        ]
        kind = next((k for since, k in kinds if at >= since), K.VALIDATED)
        return note(kind, at, self.ssd, message_id=f"sw-1:{name}", source="reconciliation")


def play_in_any_order(
    css: Css, order: list[int], timer_slots: tuple[int, int], css_answers: bool
) -> tuple[SwitchState, list[Event]]:
    """CSS's notifications in `order`, each timer at its slot among them."""
    state, _ = submitted(css.deadlines.submitted_at, css.deadlines.market_sector)
    pushed = css.pushed()
    closures = {
        Deadline.TARGET: css.deadlines.target_gate_closure,
        Deadline.BACKSTOP: css.deadlines.backstop_gate_closure,
    }
    slots = dict(zip(Deadline, sorted(timer_slots), strict=True))
    emitted: list[Event] = []
    for position in range(len(order) + 1):
        for deadline, slot in slots.items():
            if slot == position:
                commands: list[Command] = [PassGateClosure(deadline, closures[deadline])]
                if css_answers:
                    commands.insert(0, css.read_back(closures[deadline], deadline.value))
                state, events = play(state, *commands)
                emitted += events
        if position < len(order):
            state, events = play(state, pushed[order[position]])
            emitted += events
    return state, emitted


instants_in_a_year = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31, 23, 59), timezones=st.just(UTC)
)
orders = st.permutations(range(4))
slots = st.tuples(st.integers(0, 4), st.integers(0, 4))


class TestDeadlineProperties:
    @given(instants_in_a_year, st.sampled_from(MarketSector), orders, slots)
    @settings(max_examples=400)
    def test_secured_for_the_earliest_ssd_is_never_flagged(
        self,
        submitted_at: datetime,
        sector: MarketSector,
        order: list[int],
        timer_slots: tuple[int, int],
    ) -> None:
        deadlines = CAL.supply_deadlines(submitted_at, sector)
        css = Css(deadlines, deadlines.earliest_supply_start_date)
        state, events = play_in_any_order(css, order, timer_slots, css_answers=True)
        assert flags(events) == []
        assert state.status is Status.ACTIVE
        assert not state.deadline_missed
        assert not state.compensation_due

    @given(
        instants_in_a_year,
        st.sampled_from(MarketSector),
        st.integers(min_value=1, max_value=20),
        orders,
        slots,
    )
    @settings(max_examples=400)
    def test_secured_late_is_flagged_once_and_owes_once_past_the_backstop(
        self,
        submitted_at: datetime,
        sector: MarketSector,
        days_late: int,
        order: list[int],
        timer_slots: tuple[int, int],
    ) -> None:
        deadlines = CAL.supply_deadlines(submitted_at, sector)
        ssd = deadlines.target_supply_start_date + timedelta(days=days_late)
        state, events = play_in_any_order(Css(deadlines, ssd), order, timer_slots, True)
        past_backstop = ssd > deadlines.backstop_supply_start_date
        assert flags(events) == [TargetMissed, *([CompensationOwed] * past_backstop)]
        assert state.deadline_missed
        assert state.compensation_due is past_backstop
        assert state.compensation_pence == (COMPENSATION_PENCE if past_backstop else 0)

    @given(
        instants_in_a_year,
        st.sampled_from(MarketSector),
        st.integers(min_value=-20, max_value=20),
        orders,
        slots,
    )
    @settings(max_examples=300)
    def test_without_css_answering_the_timers_the_flags_still_end_right(
        self,
        submitted_at: datetime,
        sector: MarketSector,
        days_late: int,
        order: list[int],
        timer_slots: tuple[int, int],
    ) -> None:
        deadlines = CAL.supply_deadlines(submitted_at, sector)
        ssd = max(
            deadlines.earliest_supply_start_date,
            deadlines.target_supply_start_date + timedelta(days=days_late),
        )
        state, events = play_in_any_order(Css(deadlines, ssd), order, timer_slots, False)
        late = ssd > deadlines.target_supply_start_date
        past_backstop = ssd > deadlines.backstop_supply_start_date
        assert state.deadline_missed is late
        assert state.compensation_due is past_backstop
        raised = flags(events)
        assert raised.count(TargetMissed) <= 1
        assert raised.count(CompensationOwed) <= 1
        assert raised.count(TargetMissCleared) == raised.count(TargetMissed) - late
        assert raised.count(CompensationCleared) == raised.count(CompensationOwed) - past_backstop
