"""The simulator's pure parts: its clock, scheduler, meter-point table and lifecycle plans."""

from __future__ import annotations

import asyncio
import json
from dataclasses import fields, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from css.errors import InvalidMessage
from css.messages import (
    NotificationKind,
    RegistrationRequest,
    Validated,
    parse_registration_request,
)
from css.wire import Fields, encode
from domain.calendar import england_and_wales
from domain.identifiers import Fuel, MarketSector
from domain.objections import ObjectionGround
from simulator.clock import Scheduler, SimClock
from simulator.faults import FaultInjector, FaultSettings
from simulator.lifecycle import Registration, build_notification, facts_for, plan
from simulator.meter_points import MeterPoint, MeterPoints
from simulator.scenarios import Scenario

MONDAY_9AM = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CALENDAR = england_and_wales()


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def request(**changes: object) -> RegistrationRequest:
    base = RegistrationRequest(
        message_id="m-1",
        sent_at=MONDAY_9AM,
        gaining_supplier_id="GAIN",
        mpxn="1312345678907",
        fuel=Fuel.ELECTRICITY,
        market_sector=MarketSector.DOMESTIC,
        requested_supply_start_date=None,
        change_of_occupancy=False,
        erroneous_transfer=False,
        shipper_id=None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def registration(
    req: RegistrationRequest, point: MeterPoint | None = None, at: datetime = MONDAY_9AM
) -> Registration:
    point = point or MeterPoint()
    facts = facts_for(req, point.market_sector, at, CALENDAR)
    return Registration("REG-1", req, point, at, facts)


def steps(
    req: RegistrationRequest, validated_at: datetime = MONDAY_9AM, **point: object
) -> list[tuple[datetime, str]]:
    found = registration(req, MeterPoint(**point), validated_at)  # type: ignore[arg-type]
    return [(s.at, s.event_type.value) for s in plan(found)]


# --- clock and scheduler --------------------------------------------------------------


def test_clock_runs_at_its_speed_and_jumps() -> None:
    real = FakeTime()
    clock = SimClock(MONDAY_9AM, speed=3600, real=real)
    real.now += 2
    assert clock.now() == MONDAY_9AM + timedelta(hours=2)
    clock.advance(timedelta(days=1))
    assert clock.now() == MONDAY_9AM + timedelta(days=1, hours=2)
    clock.speed = 0
    real.now += 1000
    assert clock.now() == MONDAY_9AM + timedelta(days=1, hours=2)
    assert clock.real_seconds_until(clock.now() + timedelta(seconds=1)) is None
    with pytest.raises(ValueError, match="never goes back"):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError, match="negative"):
        clock.speed = -1


def test_clock_needs_an_aware_start() -> None:
    with pytest.raises(ValueError, match="aware"):
        SimClock(datetime(2026, 3, 2, 9, 0))


def test_scheduler_runs_due_timers_in_time_order_and_cancels_groups() -> None:
    clock = SimClock(MONDAY_9AM, speed=0)
    scheduler = Scheduler(clock)
    ran: list[str] = []
    for minutes, name, group in [(30, "c", "a"), (10, "a", "a"), (20, "b", "b"), (40, "d", "b")]:
        scheduler.at(MONDAY_9AM + timedelta(minutes=minutes), group, lambda n=name: ran.append(n))
    assert scheduler.run_due() == 0
    clock.advance(timedelta(minutes=25))
    assert scheduler.run_due() == 2
    assert ran == ["a", "b"]
    assert scheduler.cancel_group("b") == 1
    clock.advance(timedelta(hours=1))
    scheduler.run_due()
    assert ran == ["a", "b", "c"]


async def test_scheduler_fires_on_its_own_when_the_clock_runs() -> None:
    clock = SimClock(MONDAY_9AM, speed=3600 * 100)  # an hour takes 10 ms
    scheduler = Scheduler(clock)
    fired = asyncio.Event()
    scheduler.at(MONDAY_9AM + timedelta(hours=1), "g", fired.set)
    task = asyncio.create_task(scheduler.run())
    try:
        async with asyncio.timeout(10):
            await fired.wait()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert clock.now() >= MONDAY_9AM + timedelta(hours=1)


# --- the meter-point table -------------------------------------------------------------


def test_an_unknown_meter_point_is_domestic_and_happy() -> None:
    table = MeterPoints()
    assert table.get("1312345678907") == MeterPoint(MarketSector.DOMESTIC, Scenario.HAPPY)
    table.put("1312345678907", MeterPoint(MarketSector.NON_DOMESTIC, Scenario.OBJECT))
    assert table.get("1312345678907").market_sector is MarketSector.NON_DOMESTIC
    assert list(table) == [
        ("1312345678907", MeterPoint(MarketSector.NON_DOMESTIC, Scenario.OBJECT))
    ]


def test_the_table_reads_its_wire_form_and_a_file(tmp_path: Path) -> None:
    wire = {"scenario": "reject", "reasonCode": "X", "marketSector": "N"}
    point = MeterPoint.from_fields(Fields(wire, "meter point"))
    assert point == MeterPoint(MarketSector.NON_DOMESTIC, Scenario.REJECT, "X")
    assert MeterPoint.from_fields(Fields(point.to_wire(), "again")) == point
    assert MeterPoint(scenario=Scenario.ANNUL).reason == "ANNULLED_BY_LOSING_SUPPLIER"
    path = tmp_path / "market.json"
    path.write_text(json.dumps({"2312345678903": {"scenario": "manual"}}))
    assert MeterPoints.from_file(path).get("2312345678903").scenario is Scenario.MANUAL


def test_bad_table_entries_are_refused_with_their_name(tmp_path: Path) -> None:
    with pytest.raises(InvalidMessage, match="sideways"):
        MeterPoint.from_fields(Fields({"scenario": "sideways"}, "meter point"))
    with pytest.raises(InvalidMessage, match="takes no reason code"):
        MeterPoint(scenario=Scenario.HAPPY, reason_code="X")
    path = tmp_path / "market.json"
    path.write_text(json.dumps({"2312345678903": ["not", "an", "object"]}))
    with pytest.raises(InvalidMessage, match="meter point 2312345678903: expected a JSON object"):
        MeterPoints.from_file(path)


def test_the_production_request_carries_no_scenario() -> None:
    body = encode(request().to_wire())
    assert set(json.loads(body)) == {
        "messageId",
        "sentAt",
        "gainingSupplierId",
        "mpxn",
        "fuel",
        "marketSector",
        "requestedSupplyStartDate",
        "changeOfOccupancy",
        "erroneousTransfer",
        "shipperId",
    }
    assert "scenario" not in {f.name for f in fields(RegistrationRequest)}
    assert parse_registration_request(body) == request()


# --- plans on the real calendar -------------------------------------------------------


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def test_happy_domestic_takes_two_working_days() -> None:
    assert steps(request()) == [
        (at(2, 9), "VALIDATED"),
        (at(3, 9), "CONFIRMED"),
        (at(3, 17), "SECURED"),
        (at(4, 0), "ACTIVE"),
    ]


def test_non_domestic_has_a_two_working_day_window() -> None:
    assert steps(request(), market_sector=MarketSector.NON_DOMESTIC) == [
        (at(2, 9), "VALIDATED"),
        (at(4, 9), "CONFIRMED"),
        (at(4, 17), "SECURED"),
        (at(5, 0), "ACTIVE"),
    ]


def test_friday_afternoon_runs_over_the_weekend() -> None:
    friday_6pm = at(6, 18)
    assert steps(request(), friday_6pm) == [
        (friday_6pm, "VALIDATED"),
        (at(9, 18), "CONFIRMED"),
        (at(10, 17), "SECURED"),
        (at(11, 0), "ACTIVE"),
    ]


def test_a_later_requested_ssd_is_kept_and_an_earlier_one_moved() -> None:
    later = request(requested_supply_start_date=date(2026, 3, 16))
    assert steps(later)[-2:] == [(at(13, 17), "SECURED"), (at(16, 0), "ACTIVE")]
    earlier = request(requested_supply_start_date=date(2026, 3, 2))
    facts = facts_for(earlier, MarketSector.DOMESTIC, MONDAY_9AM, CALENDAR)
    assert facts.supply_start_date == date(2026, 3, 4)


def test_the_sector_css_holds_decides_not_the_request() -> None:
    says_domestic = request(market_sector=MarketSector.DOMESTIC)
    held_non_domestic = registration(says_domestic, MeterPoint(MarketSector.NON_DOMESTIC))
    assert held_non_domestic.facts.objection_window_end == at(4, 9)
    validated = build_notification(held_non_domestic, NotificationKind.VALIDATED, MONDAY_9AM)
    assert isinstance(validated, Validated)
    assert validated.market_sector is MarketSector.NON_DOMESTIC
    says_non_domestic = request(market_sector=MarketSector.NON_DOMESTIC)
    assert steps(says_non_domestic)[1] == (at(3, 9), "CONFIRMED")  # held domestic


def test_british_summer_time_is_respected() -> None:
    # Monday 30 March 2026 09:00 BST is 08:00 UTC; gate closure 17:00 BST is 16:00 UTC.
    validated = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    assert steps(request(), validated)[2:] == [
        (datetime(2026, 3, 31, 16, 0, tzinfo=UTC), "SECURED"),
        (datetime(2026, 3, 31, 23, 0, tzinfo=UTC), "ACTIVE"),
    ]


def test_object_scenarios() -> None:
    objected = steps(request(), scenario=Scenario.OBJECT)
    assert [e for _, e in objected] == ["VALIDATED", "OBJECTION_RAISED", "OBJECTED"]
    assert objected[-1][0] == at(3, 9)
    lifted = steps(request(), scenario=Scenario.OBJECT_THEN_LIFT)
    assert [e for _, e in lifted] == [
        "VALIDATED",
        "OBJECTION_RAISED",
        "OBJECTION_LIFTED",
        "CONFIRMED",
        "SECURED",
        "ACTIVE",
    ]
    assert [t for t, _ in lifted] == sorted(t for t, _ in lifted)


def test_erroneous_transfer_switches_objections_off() -> None:
    req = request(erroneous_transfer=True)
    happy = ["VALIDATED", "CONFIRMED", "SECURED", "ACTIVE"]
    assert [e for _, e in steps(req, scenario=Scenario.OBJECT)] == happy


def test_no_debt_objection_on_a_change_of_occupancy() -> None:
    moved_in = request(change_of_occupancy=True)
    happy = ["VALIDATED", "CONFIRMED", "SECURED", "ACTIVE"]
    assert [e for _, e in steps(moved_in, scenario=Scenario.OBJECT)] == happy
    # A non-domestic contract objection is still allowed on a change of occupancy...
    contract = steps(
        moved_in,
        scenario=Scenario.OBJECT,
        market_sector=MarketSector.NON_DOMESTIC,
        objection_ground=ObjectionGround.CONTRACT,
    )
    assert [e for _, e in contract] == ["VALIDATED", "OBJECTION_RAISED", "OBJECTED"]
    # ...and a domestic one can never be on a contract.
    domestic_contract = steps(
        request(), scenario=Scenario.OBJECT, objection_ground=ObjectionGround.CONTRACT
    )
    assert [e for _, e in domestic_contract] == happy


def test_annul_comes_before_gate_closure() -> None:
    annulled = steps(request(), scenario=Scenario.ANNUL)
    assert [e for _, e in annulled] == ["VALIDATED", "CONFIRMED", "ANNULLED"]
    assert at(3, 9) < annulled[-1][0] < at(3, 17)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"mpxn": "1312345678900"}, "INVALID_MPXN"),
        ({"fuel": Fuel.GAS, "shipper_id": "SHIP"}, "INVALID_MPXN"),  # an MPAN is no MPRN
        ({"gaining_supplier_id": "toolong"}, "INVALID_SUPPLIER_ID"),
        ({"requested_supply_start_date": date(2026, 3, 31)}, "SUPPLY_START_DATE_TOO_LATE"),
        ({"mpxn": "9912345678901"}, "INVALID_MPXN"),  # no such distributor
    ],
)
def test_rejections_carry_a_reason(changes: dict[str, object], reason: str) -> None:
    [step] = plan(registration(request(**changes)))
    assert (step.at, step.event_type, step.reason_code) == (
        MONDAY_9AM,
        NotificationKind.REJECTED,
        reason,
    )


def test_a_rejecting_meter_point_names_its_reason() -> None:
    [step] = plan(registration(request(), MeterPoint(scenario=Scenario.REJECT)))
    assert step.reason_code == "METER_POINT_NOT_FOUND"
    [step] = plan(registration(request(), MeterPoint(scenario=Scenario.REJECT, reason_code="X")))
    assert (step.at, step.event_type, step.reason_code) == (
        MONDAY_9AM,
        NotificationKind.REJECTED,
        "X",
    )


def test_manual_plans_nothing() -> None:
    assert steps(request(), scenario=Scenario.MANUAL) == []


# --- faults ---------------------------------------------------------------------------


def test_one_shot_faults_happen_exactly_n_times() -> None:
    faults = FaultInjector(FaultSettings(fail_next=2))
    assert [faults.fail_request() for _ in range(4)] == [True, True, False, False]


def test_seeded_rates_repeat() -> None:
    def draws() -> list[bool]:
        faults = FaultInjector(FaultSettings(duplicate_rate=0.5, seed=7))
        return [faults.duplicate() for _ in range(40)]

    first = draws()
    assert first == draws()
    assert 0 < sum(first) < 40
    always = FaultInjector(FaultSettings(reorder_rate=1.0))
    assert all(always.reorder() for _ in range(10))


def test_fault_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        FaultSettings(error_rate=1.5)
    with pytest.raises(InvalidMessage, match="unknown setting 'explode'"):
        FaultSettings().updated({"explode": 1})
    with pytest.raises(InvalidMessage, match="must be a number"):
        FaultSettings().updated({"error_rate": "lots"})
    assert FaultSettings().updated({"stall_next": 2.0}).stall_next == 2
