"""Switches' events made by the domain's own decider, for the report's tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def switch_events(
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


def css(
    switch_id: str, kind: NotificationKind, at: datetime, **fields: object
) -> ApplyNotification:
    notification = Notification(f"{switch_id}-{kind}", kind, f"REG-{switch_id}", at, **fields)  # type: ignore[arg-type]
    return ApplyNotification(notification)


def active(switch_id: str, at: datetime, hours: float, *, late: bool = False) -> list[Event]:
    secured = at + timedelta(hours=hours)
    ssd = secured.date() + timedelta(days=1)
    flags: list[Command] = (
        [MarkDeadlineMissed(at + timedelta(days=2)), MarkCompensationDue(at + timedelta(days=7))]
        if late
        else []
    )
    return switch_events(
        switch_id,
        at,
        css(switch_id, NotificationKind.VALIDATED, at, objection_window_end=at + timedelta(days=1)),
        css(switch_id, NotificationKind.CONFIRMED, at + timedelta(days=1)),
        *flags,
        css(switch_id, NotificationKind.SECURED, secured, supply_start_date=ssd),
        css(switch_id, NotificationKind.ACTIVE, secured + timedelta(days=1), supply_start_date=ssd),
    )


def objected(switch_id: str, at: datetime, reason: str) -> list[Event]:
    return switch_events(
        switch_id,
        at,
        css(switch_id, NotificationKind.VALIDATED, at, objection_window_end=at + timedelta(days=1)),
        css(
            switch_id,
            NotificationKind.OBJECTION_RAISED,
            at + timedelta(hours=3),
            reason_code=reason,
        ),
        css(switch_id, NotificationKind.OBJECTED, at + timedelta(days=1), reason_code=reason),
    )
