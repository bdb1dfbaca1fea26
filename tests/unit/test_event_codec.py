"""Stored switch events: round trip, upcasting of old schema versions, precise failures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
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
