"""Deadline computation, an activity so a replay never depends on a newer holiday table.

The result carries the calendar's version: when a bank holiday is announced the engine
computes new switches with the new table, while histories already recorded keep theirs.

`compute_supply_deadlines` gives the dates of `domain.calendar` (request day, target and
backstop SSDs and their gate closures); `check_supply_start_date` judges a requested SSD
for the workflow's own input check. `compute_deadlines` is the earlier shape, instants two
and five working days after submission; only switches whose workflow began before the
supply-date rules still call it, and it goes once none can.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from temporalio import activity

from activities.contracts import (
    CHECK_SUPPLY_START_DATE,
    COMPUTE_DEADLINES,
    COMPUTE_SUPPLY_DEADLINES,
    DeadlinesInput,
    DeadlinesResult,
    SupplyDeadlinesInput,
    SupplyStartDateCheck,
    SupplyStartDateVerdict,
)
from domain.calendar import LONDON, InvalidSupplyStartDate, SupplyDeadlines, WorkingDayCalendar


class DeadlineActivities:
    def __init__(self, calendar: WorkingDayCalendar) -> None:
        self._calendar = calendar

    @activity.defn(name=COMPUTE_SUPPLY_DEADLINES.name)
    async def compute_supply_deadlines(self, request: SupplyDeadlinesInput) -> SupplyDeadlines:
        return self._calendar.supply_deadlines(
            request.submitted_at, request.market_sector, request.requested_supply_start_date
        )

    @activity.defn(name=CHECK_SUPPLY_START_DATE.name)
    async def check_supply_start_date(
        self, request: SupplyStartDateCheck
    ) -> SupplyStartDateVerdict:
        try:
            self._calendar.check_supply_start_date(
                request.reaches_css_at, request.requested_supply_start_date, request.market_sector
            )
        except InvalidSupplyStartDate as refused:
            return SupplyStartDateVerdict(str(refused), self._calendar.version)
        return SupplyStartDateVerdict(None, self._calendar.version)

    @activity.defn(name=COMPUTE_DEADLINES.name)
    async def compute_deadlines(self, request: DeadlinesInput) -> DeadlinesResult:
        return compute(self._calendar, request)


def compute(calendar: WorkingDayCalendar, request: DeadlinesInput) -> DeadlinesResult:
    """The earlier deadlines: instants 2 and 5 working days after submission."""
    found = calendar.supply_deadlines(
        request.submitted_at, request.market_sector, request.requested_supply_start_date
    )
    later = found.supply_start_date if request.requested_supply_start_date is not None else None
    if later is not None and later != request.requested_supply_start_date:
        later = None

    def deadline(n: int) -> datetime:
        due = calendar.add_working_days_at(request.submitted_at, n)
        if later is None:
            return due
        return max(due, datetime.combine(later, time(0), tzinfo=LONDON).astimezone(UTC))

    return DeadlinesResult(
        supply_start_date=found.supply_start_date,
        expected_objection_window_end=found.objection_window_end,
        two_day_target=deadline(2),
        backstop=deadline(5),
        calendar_version=calendar.version,
    )
