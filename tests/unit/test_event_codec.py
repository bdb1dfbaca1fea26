"""Stored switch events: round trip, upcasting of old schema versions, precise failures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain import events
from domain.events import (
    SwitchWithdrawn,
    UnknownEvent,
    WithdrawalRequested,
    event_from_record,
    event_to_record,
)
from domain.identifiers import MarketSector
from domain.lifecycle import NotificationKind
from domain.notification import Notification

AT = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_round_trip_is_plain_json() -> None:
    name, data = event_to_record(SwitchWithdrawn(reason="duplicate signup", at=AT))
    assert (name, data) == ("SwitchWithdrawn", {"reason": "duplicate signup", "at": AT.isoformat()})
    assert event_from_record(name, data, 1) == SwitchWithdrawn("duplicate signup", AT)


@pytest.fixture
def withdrawal_v2() -> Iterator[None]:
    """Pretend WithdrawalRequested moved to v2, whose v1 stored the reason as `note`."""

    def v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
        return {"reason": data["note"], "at": data["at"]}

    events.SCHEMA_VERSIONS["WithdrawalRequested"] = 2
    events.UPCASTERS[("WithdrawalRequested", 1)] = v1_to_v2
    yield
    events.SCHEMA_VERSIONS["WithdrawalRequested"] = 1
    del events.UPCASTERS[("WithdrawalRequested", 1)]


@pytest.mark.usefixtures("withdrawal_v2")
def test_old_versions_are_upcast_before_decoding() -> None:
    old = {"note": "ops", "at": AT.isoformat()}
    assert event_from_record("WithdrawalRequested", old, 1) == WithdrawalRequested("ops", AT)


def test_unknown_type_and_future_version_are_named() -> None:
    with pytest.raises(UnknownEvent, match="unknown event type 'Teleported'"):
        event_from_record("Teleported", {}, 1)
    with pytest.raises(UnknownEvent, match="v9 is newer than this code"):
        event_from_record("SwitchWithdrawn", {"reason": "x", "at": AT.isoformat()}, 9)


def test_malformed_record_says_what_is_wrong() -> None:
    with pytest.raises(UnknownEvent, match=r"malformed.*'at'"):
        event_from_record("SwitchWithdrawn", {"reason": "x"}, 1)
    with pytest.raises(UnknownEvent, match="no UTC offset"):
        event_from_record("SwitchWithdrawn", {"reason": "x", "at": "2026-11-26T12:00:00"}, 1)


def test_notification_applied_v1_is_read_without_a_market_sector() -> None:
    v1 = {
        "message_id": "MSG-1",
        "kind": "VALIDATED",
        "registration_id": "REG-1",
        "occurred_at": AT.isoformat(),
        "objection_window_end": None,
        "supply_start_date": "2026-11-30",
        "reason_code": None,
        "source": "css",
        "stale": False,
    }
    event = event_from_record("NotificationApplied", v1, 1)
    assert isinstance(event, events.NotificationApplied)
    assert (event.notification.mpxn, event.notification.market_sector) == (None, None)
    assert event.notification.supply_start_date == date(2026, 11, 30)
    assert event_to_record(event)[1] == {**v1, "mpxn": None, "market_sector": None}


@pytest.mark.parametrize(
    "event",
    [
        events.NotificationApplied(
            Notification(
                "MSG-2",
                NotificationKind.VALIDATED,
                "REG-1",
                AT,
                AT,
                mpxn="1312345678907",
                market_sector=MarketSector.NON_DOMESTIC,
            ),
            "css",
            stale=False,
        ),
        events.NotificationUnmatched(
            Notification("MSG-3", NotificationKind.SECURED, "REG-9", AT, mpxn="1312345678907"),
            "css",
            "not ours",
        ),
        events.MarketSectorCorrected(MarketSector.DOMESTIC, MarketSector.NON_DOMESTIC, AT),
        events.TargetMissed(date(2026, 12, 2), None, AT),
        events.TargetMissCleared(date(2026, 12, 2), date(2026, 12, 1), AT),
        events.CompensationOwed(date(2026, 12, 7), date(2026, 12, 9), 3000, AT),
        events.CompensationCleared(date(2026, 12, 7), None, 3000, AT),
        events.CompensationWaived("customer asked for the later date", 3000, AT),
    ],
    ids=lambda e: type(e).__name__,
)
def test_new_events_round_trip(event: events.Event) -> None:
    name, data = event_to_record(event)
    assert event_from_record(name, data, events.SCHEMA_VERSIONS[name]) == event
