"""The simulator's losing side on a frozen clock: what it pushes when, and how it takes our
objection, lift and annulment by the rules and on time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from css.losses import LossActionRequest, LossMessage, LossPending, ObjectionRequest
from css.messages import CssStatus
from domain.calendar import england_and_wales
from domain.identifiers import Fuel, MarketSector
from domain.loss_notification import LossKind
from domain.objection_policy import Evidence
from domain.objections import ObjectionGround
from simulator.clock import Scheduler, SimClock
from simulator.losses import LossDesk, LossOrder, LossStory, OurMeterPoint
from simulator.service import Refusal

MONDAY_9AM = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OURS = [
    OurMeterPoint("1312345678907", Fuel.ELECTRICITY, MarketSector.DOMESTIC),
    OurMeterPoint("2312345678903", Fuel.ELECTRICITY, MarketSector.NON_DOMESTIC),
]
DEBT = Evidence(
    ObjectionGround.DEBT,
    assessed_on=date(2026, 3, 2),
    arrears_pence=9_000,
    oldest_unpaid_due=date(2026, 1, 2),
    days_overdue=59,
)
CONTRACT = Evidence(
    ObjectionGround.CONTRACT,
    assessed_on=date(2026, 3, 2),
    fixed_term_end=date(2026, 12, 31),
    supply_start_date=date(2026, 3, 4),
)


class Desk:
    def __init__(self) -> None:
        self.clock = SimClock(MONDAY_9AM, speed=0)
        self.pushed: list[LossMessage] = []
        self.desk = LossDesk(
            clock=self.clock,
            calendar=england_and_wales(),
            scheduler=Scheduler(self.clock),
            push=self.pushed.append,
            our_supplier_id="GAIN",
            meter_points=OURS,
            seed=7,
        )

    def advance(self, delta: timedelta) -> None:
        self.clock.advance(delta)
        self.desk.scheduler.run_due()

    def kinds(self) -> list[LossKind]:
        return [message.event_type for message in self.pushed]


def objection(message_id: str = "m-obj", *grounds: Evidence, by: str = "GAIN") -> ObjectionRequest:
    return ObjectionRequest(message_id, MONDAY_9AM, by, grounds or (DEBT,))


def action(message_id: str, by: str = "GAIN") -> LossActionRequest:
    return LossActionRequest(message_id, MONDAY_9AM, by, "reason")


@pytest.fixture
def rig() -> Desk:
    return Desk()


def test_a_loss_plays_pending_confirmed_secured_completed_on_the_calendar(rig: Desk) -> None:
    loss = rig.desk.start(LossOrder(mpxn=OURS[0].mpxn))
    assert loss.window_end == datetime(2026, 3, 3, 9, 1, tzinfo=UTC)  # one working day
    assert loss.supply_start_date == date(2026, 3, 4)
    rig.advance(timedelta(minutes=1))
    [pending] = rig.pushed
    assert isinstance(pending, LossPending)
    assert pending.objection_window_end == loss.window_end
    assert pending.gaining_supplier_id in ("OTHR", "RIVL", "NEWS")
    rig.advance(timedelta(days=3))
    assert rig.kinds() == [
        LossKind.PENDING,
        LossKind.CONFIRMED,
        LossKind.SECURED,
        LossKind.COMPLETED,
    ]
    assert loss.status is CssStatus.ACTIVE


def test_an_objection_in_the_window_ends_the_gain_objected(rig: Desk) -> None:
    loss = rig.desk.start(LossOrder(mpxn=OURS[0].mpxn))
    rig.advance(timedelta(hours=2))
    rig.desk.object(loss.registration_id, objection())
    rig.advance(timedelta(days=5))
    assert rig.kinds() == [LossKind.PENDING, LossKind.OBJECTED]
    assert loss.status is CssStatus.OBJECTED


def test_an_objection_lifted_in_the_window_lets_the_gain_go_on(rig: Desk) -> None:
    loss = rig.desk.start(LossOrder(mpxn=OURS[0].mpxn))
    rig.advance(timedelta(hours=2))
    rig.desk.object(loss.registration_id, objection())
    rig.desk.lift(loss.registration_id, action("m-lift"))
    rig.advance(timedelta(days=5))
    assert loss.status is CssStatus.ACTIVE


def test_an_objection_at_the_window_end_is_refused_as_closed(rig: Desk) -> None:
    loss = rig.desk.start(LossOrder(mpxn=OURS[0].mpxn))
    rig.advance(timedelta(minutes=1))
    rig.clock.advance(loss.window_end - rig.clock.now())  # not run: the window's last instant
    with pytest.raises(Refusal) as refused:
        rig.desk.object(loss.registration_id, objection())
    assert (refused.value.status_code, refused.value.reason_code) == (
        409,
        "OBJECTION_WINDOW_CLOSED",
    )


def test_objections_the_rules_forbid_are_refused_with_the_rule(rig: Desk) -> None:
    occupancy = rig.desk.start(LossOrder(mpxn=OURS[0].mpxn, change_of_occupancy=True))
    domestic = rig.desk.start(LossOrder(mpxn="1012345678909"))
    erroneous = rig.desk.start(LossOrder(mpxn=OURS[1].mpxn, erroneous_transfer=True))
    rig.advance(timedelta(minutes=2))
    cases = [
        (occupancy, objection("a", DEBT), "previous occupant"),
        (domestic, objection("b", CONTRACT), "only for debt"),
        (erroneous, objection("c", CONTRACT), "erroneous-transfer"),
    ]
    for loss, request, rule in cases:
        with pytest.raises(Refusal) as refused:
            rig.desk.object(loss.registration_id, request)
        assert refused.value.reason_code == "OBJECTION_NOT_ALLOWED"
        assert rule in refused.value.detail


def test_a_non_domestic_contract_objection_is_accepted(rig: Desk) -> None:
    loss = rig.desk.start(LossOrder(mpxn=OURS[1].mpxn))
    assert loss.window_end == datetime(2026, 3, 4, 9, 1, tzinfo=UTC)  # two working days
    rig.advance(timedelta(minutes=2))
    rig.desk.object(loss.registration_id, objection("m", CONTRACT))
    assert loss.objection_standing


def test_a_resent_request_gets_its_first_answer_and_a_new_one_is_judged(rig: Desk) -> None:
    loss = rig.desk.start(LossOrder(mpxn=OURS[0].mpxn))
    rig.advance(timedelta(minutes=2))
    rig.desk.object(loss.registration_id, objection("m-1"))
    rig.desk.object(loss.registration_id, objection("m-1"))  # the same, resent: accepted
    with pytest.raises(Refusal, match="raised already"):
        rig.desk.object(loss.registration_id, objection("m-2"))


def test_only_the_losing_supplier_may_ask(rig: Desk) -> None:
    loss = rig.desk.start(LossOrder(mpxn=OURS[0].mpxn))
    rig.advance(timedelta(minutes=2))
    with pytest.raises(Refusal) as refused:
        rig.desk.object(loss.registration_id, objection(by="OTHR"))
    assert (refused.value.status_code, refused.value.reason_code) == (403, "NOT_LOSING_SUPPLIER")


def test_lift_needs_a_standing_objection(rig: Desk) -> None:
    loss = rig.desk.start(LossOrder(mpxn=OURS[0].mpxn))
    rig.advance(timedelta(minutes=2))
    with pytest.raises(Refusal, match="no objection"):
        rig.desk.lift(loss.registration_id, action("m-lift"))


def test_annul_until_secured(rig: Desk) -> None:
    early = rig.desk.start(LossOrder(mpxn=OURS[0].mpxn))
    late = rig.desk.start(LossOrder(mpxn="1012345678909"))
    rig.advance(timedelta(hours=3))
    rig.desk.annul(early.registration_id, action("m-annul"))
    assert early.status is CssStatus.ANNULLED
    assert early.history[-1].event_type is LossKind.ANNULLED
    rig.advance(late.gate_closure - rig.clock.now())
    with pytest.raises(Refusal) as refused:
        rig.desk.annul(late.registration_id, action("m-late"))
    assert refused.value.reason_code == "ALREADY_SECURED"
    rig.advance(timedelta(days=2))
    with pytest.raises(Refusal, match="ACTIVE"):
        rig.desk.annul(late.registration_id, action("m-later"))


@pytest.mark.parametrize(
    ("story", "kinds"),
    [
        (LossStory.WITHDRAWN, [LossKind.PENDING, LossKind.CONFIRMED, LossKind.WITHDRAWN]),
        (LossStory.REJECTED, [LossKind.PENDING, LossKind.REJECTED]),
    ],
)
def test_the_gaining_sides_stories(rig: Desk, story: LossStory, kinds: list[LossKind]) -> None:
    rig.desk.start(LossOrder(mpxn=OURS[0].mpxn, story=story))
    rig.advance(timedelta(days=5))
    assert rig.kinds() == kinds


def test_a_rate_starts_losses_on_the_simulated_clock_for_our_meter_points(rig: Desk) -> None:
    rig.desk.set_rate(4)
    rig.advance(timedelta(hours=6, seconds=1))
    assert len(rig.desk.losses()) == 1
    rig.advance(timedelta(hours=18))
    losses = rig.desk.losses()
    assert len(losses) == 4
    assert {loss.meter_point.mpxn for loss in losses} <= {point.mpxn for point in OURS}
    rig.desk.set_rate(0)
    rig.advance(timedelta(days=1))
    assert len(rig.desk.losses()) == 4
