"""Deadline computation, an activity so a replay never depends on a newer holiday table.

The result carries the calendar's version: when a bank holiday is announced the engine
computes new switches with the new table, while histories already recorded keep theirs.
"""

from __future__ import annotations

from temporalio import activity

from activities.contracts import COMPUTE_DEADLINES, DeadlinesInput, DeadlinesResult
from domain.calendar import WorkingDayCalendar


class DeadlineActivities:
    def __init__(self, calendar: WorkingDayCalendar) -> None:
        self._calendar = calendar

    @activity.defn(name=COMPUTE_DEADLINES.name)
    async def compute_deadlines(self, request: DeadlinesInput) -> DeadlinesResult:
        return compute(self._calendar, request)


def compute(calendar: WorkingDayCalendar, request: DeadlinesInput) -> DeadlinesResult:
    """Deadlines as of submission (CSS validates on receipt, so validation ≈ submission).

    The SSD was checked at the door; the withdrawal window may since have carried it past
    the earliest date CSS can honour, in which case the earliest is asked for instead.
    """
    earliest = calendar.earliest_supply_start_date(request.submitted_at, request.market_sector)
    requested = request.requested_supply_start_date
    ssd = requested if requested is not None and requested > earliest else earliest
    later_ssd = ssd if requested is not None and ssd == requested else None
    return DeadlinesResult(
        supply_start_date=ssd,
        expected_objection_window_end=calendar.objection_window_end(
            request.submitted_at, request.market_sector
        ),
        two_day_target=calendar.two_working_day_target(request.submitted_at, later_ssd),
        backstop=calendar.five_working_day_backstop(request.submitted_at, later_ssd),
        calendar_version=calendar.version,
    )
