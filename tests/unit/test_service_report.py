"""The service report's figures from switches' events, and its self-contained HTML."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from domain.events import Event
from domain.identifiers import Fuel, MarketSector
from domain.lifecycle import NotificationKind
from domain.notification import Notification
from domain.request import SwitchDetails
from domain.switch import (
    ApplyNotification,
    Command,
    MarkCompensationDue,
    MarkDeadlineMissed,
    RecordDeadlines,
    RecordSubmission,
    RequestSwitch,
    decide,
    evolve,
)
from ops.report import render
from ops.report.model import Period
from ops.report.switches import IN_PROGRESS, percentile, sections, switch_facts

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PERIOD = Period(date(2026, 11, 23), date(2026, 11, 24))


def _events(
    switch_id: str, at: datetime, *later: Command, fuel: Fuel = Fuel.ELECTRICITY
) -> list[Event]:
    mpxn = "1312345678907" if fuel is Fuel.ELECTRICITY else "3938424403"
    commands: list[Command] = [
        RequestSwitch(switch_id, SwitchDetails(fuel, mpxn, MarketSector.DOMESTIC), at),
        RecordDeadlines(
            supply_start_date=at.date() + timedelta(days=2),
            expected_objection_window_end=at + timedelta(days=1),
            two_day_target=at + timedelta(days=2),
            backstop=at + timedelta(days=7),
            calendar_version="test",
            at=at,
        ),
        RecordSubmission(f"REG-{switch_id}", f"{switch_id}:registration", at),
        *later,
    ]
    events: list[Event] = []
    state = None
    for command in commands:
        for event in decide(state, command):
            state = evolve(state, event)
            events.append(event)
    return events


def _css(
    switch_id: str, kind: NotificationKind, at: datetime, **fields: object
) -> ApplyNotification:
    notification = Notification(f"{switch_id}-{kind}", kind, f"REG-{switch_id}", at, **fields)  # type: ignore[arg-type]
    return ApplyNotification(notification)


def _active(switch_id: str, at: datetime, hours: float, *, late: bool = False) -> list[Event]:
    secured = at + timedelta(hours=hours)
    ssd = secured.date() + timedelta(days=1)
    flags: list[Command] = (
        [MarkDeadlineMissed(at + timedelta(days=2)), MarkCompensationDue(at + timedelta(days=7))]
        if late
        else []
    )
    return _events(
        switch_id,
        at,
        _css(
            switch_id, NotificationKind.VALIDATED, at, objection_window_end=at + timedelta(days=1)
        ),
        _css(switch_id, NotificationKind.CONFIRMED, at + timedelta(days=1)),
        *flags,
        _css(switch_id, NotificationKind.SECURED, secured, supply_start_date=ssd),
        _css(
            switch_id, NotificationKind.ACTIVE, secured + timedelta(days=1), supply_start_date=ssd
        ),
    )


def _objected(switch_id: str, at: datetime, reason: str) -> list[Event]:
    return _events(
        switch_id,
        at,
        _css(
            switch_id, NotificationKind.VALIDATED, at, objection_window_end=at + timedelta(days=1)
        ),
        _css(
            switch_id,
            NotificationKind.OBJECTION_RAISED,
            at + timedelta(hours=3),
            reason_code=reason,
        ),
        _css(switch_id, NotificationKind.OBJECTED, at + timedelta(days=1), reason_code=reason),
    )


def test_the_figures_come_from_each_switch_s_events() -> None:
    tuesday = MONDAY + timedelta(days=1)
    facts = [
        switch_facts(_active("a", MONDAY, 32)),
        switch_facts(_active("b", MONDAY, 40)),
        switch_facts(_active("c", tuesday, 200, late=True)),
        switch_facts(_objected("d", tuesday, "DEBT")),
        switch_facts(_events("e", tuesday)),
    ]
    assert [f.outcome for f in facts] == ["ACTIVE", "ACTIVE", "ACTIVE", "OBJECTED", IN_PROGRESS]
    assert [f.day for f in facts] == [MONDAY.date()] * 2 + [tuesday.date()] * 3
    per_day, deadlines, timing, owed, objections = sections(facts, PERIOD)

    assert per_day.table is not None
    assert per_day.table.columns == ("day", "ACTIVE", IN_PROGRESS, "OBJECTED", "total")
    assert list(per_day.table.rows) == [
        ("2026-11-23", "2", "0", "0", "2"),
        ("2026-11-24", "1", "1", "1", "3"),
    ]
    assert deadlines.table is not None
    assert list(deadlines.table.rows)[:2] == [
        ("within the target SSD", "2", "66.7%"),
        ("within the backstop SSD", "2", "66.7%"),
    ]
    assert timing.table is not None
    assert list(timing.table.rows) == [
        ("ALL", "3", "40.0", "184.0"),
        ("ELECTRICITY", "3", "40.0", "184.0"),
    ]
    assert owed.table is not None
    assert owed.table.rows[0] == ("owed", "1", "£30.00")
    assert objections.table is not None
    assert list(objections.table.rows) == [("DEBT", "1")]


def test_percentiles_interpolate_between_ranks() -> None:
    assert percentile([5.0], 0.95) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 0.5) == 3.0
    assert percentile([0.0, 10.0], 0.95) == 9.5


def test_the_html_is_one_self_contained_page_with_every_section() -> None:
    facts = [switch_facts(_active("a", MONDAY, 32)), switch_facts(_objected("d", MONDAY, "DEBT"))]
    page = render.page(PERIOD, sections(facts, PERIOD), now=MONDAY)
    assert page.startswith("<!DOCTYPE html>")
    # plotly's library once, inlined: nothing is fetched when the file is opened.
    assert page.count("<script>/**\n* plotly.js v") == 1
    assert 'src="http' not in page
    for title in (
        "Switches per day by outcome",
        "Time from submission to SECURED",
        "Objections by reason",
    ):
        assert title in page
    assert "<td>DEBT</td>" in page
