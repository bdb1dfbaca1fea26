"""The deadline activity's two shapes: supply dates for new runs, instants for earlier ones.

Runs that began before the supply-date rules still call `compute_deadlines` while in their
withdrawal window; it must give what it always gave.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from activities.deadlines import DeadlinesInput, compute
from domain.calendar import LONDON, england_and_wales
from domain.identifiers import MarketSector

CAL = england_and_wales()
MONDAY_9AM = datetime(2026, 3, 9, 9, 0, tzinfo=LONDON)


def test_the_earlier_shape_is_unchanged() -> None:
    found = compute(CAL, DeadlinesInput(MONDAY_9AM, MarketSector.DOMESTIC, None))
    assert found.supply_start_date == date(2026, 3, 11)
    assert found.expected_objection_window_end == datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    assert found.two_day_target == datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
    assert found.backstop == datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
    assert found.calendar_version == CAL.version


def test_the_earlier_shape_moves_to_a_later_requested_ssds_midnight() -> None:
    # 1 April 2026 is in BST: London midnight is 23:00 UTC the evening before.
    later = compute(CAL, DeadlinesInput(MONDAY_9AM, MarketSector.DOMESTIC, date(2026, 4, 1)))
    assert later.supply_start_date == date(2026, 4, 1)
    assert later.two_day_target == later.backstop == datetime(2026, 3, 31, 23, 0, tzinfo=UTC)
    moved = compute(CAL, DeadlinesInput(MONDAY_9AM, MarketSector.DOMESTIC, date(2026, 3, 10)))
    assert moved.supply_start_date == date(2026, 3, 11)
    assert moved.two_day_target == datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
