"""Deadline computation, an activity so a replay never depends on a newer holiday table.

The result carries the calendar's version: when a bank holiday is announced the engine
computes new switches with the new table, while histories already recorded keep theirs.

`compute_supply_deadlines` gives the dates of `domain.calendar` (request day, target and
backstop SSDs and their gate closures). `compute_deadlines` is the earlier shape, instants
two and five working days after submission; only switches whose workflow began before
the supply-date rules still call it, and it goes once none can.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from temporalio import activity

from domain.calendar import LONDON, InvalidSupplyStartDate, SupplyDeadlines, WorkingDayCalendar
from domain.identifiers import MarketSector


@dataclass(frozen=True)
class SupplyDeadlinesInput:
    submitted_at: datetime
    market_sector: MarketSector
    requested_supply_start_date: date | None


@dataclass(frozen=True)
class SupplyStartDateCheck:
    #: When the request will reach CSS (after the withdrawal window).
    reaches_css_at: datetime
    market_sector: MarketSector
    requested_supply_start_date: date


@dataclass(frozen=True)
class SupplyStartDateVerdict:
    #: Why the date was refused; None when it is acceptable.
    refusal: str | None
    calendar_version: str


@dataclass(frozen=True)
class DeadlinesInput:
    submitted_at: datetime
    market_sector: MarketSector
    requested_supply_start_date: date | None


@dataclass(frozen=True)
class DeadlinesResult:
    supply_start_date: date
    expected_objection_window_end: datetime
    two_day_target: datetime
    backstop: datetime
    calendar_version: str


class DeadlineActivities:
    def __init__(self, calendar: WorkingDayCalendar) -> None:
        self._calendar = calendar

    @activity.defn(name="compute_supply_deadlines")
    async def compute_supply_deadlines(self, request: SupplyDeadlinesInput) -> SupplyDeadlines:
        return self._calendar.supply_deadlines(
            request.submitted_at, request.market_sector, request.requested_supply_start_date
        )

    @activity.defn(name="check_supply_start_date")
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

    @activity.defn(name="compute_deadlines")
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
