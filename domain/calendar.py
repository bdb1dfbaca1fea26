"""England & Wales working days and the switching dates computed from them.

Every date rule of the switch lifecycle lives here, because the precise CSS text is not
public and the rules must change in one place when it is:

- a working day is Monday to Friday less England & Wales bank holidays;
- the objection window closes at the same London clock time 1 working day after validation
  (domestic) or 2 (non-domestic);
- gate closure for a supply start date (SSD) is 17:00 London on the last working day
  before it, and the earliest SSD is the day after the first gate closure at or after the
  window's end;
- deadlines are dates, never instants: the *request day* is the London date CSS received
  the request if that is a working day before 17:00, else the next working day; the
  *target SSD* is the 2nd working day after it (3rd non-domestic), the *backstop SSD* the
  5th, each replaced by a later SSD the customer asked for.

The holiday table is versioned: a deadline records which table computed it, and a newly
announced holiday yields a new version rather than silently moving old deadlines.
Instants in and out are timezone-aware; results are in UTC, while the rules themselves
are stated in Europe/London wall-clock time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from holidays.version import __version__ as holidays_version

from domain.errors import DomainError
from domain.identifiers import MarketSector

LONDON: ZoneInfo = ZoneInfo("Europe/London")
GATE_CLOSURE: time = time(17, 0)
MAX_SSD_DAYS_AHEAD: int = 28
DEFAULT_FIRST_YEAR = 2020
DEFAULT_LAST_YEAR = 2040
_ONE_DAY = timedelta(days=1)
_OBJECTION_WINDOW_WORKING_DAYS = {MarketSector.DOMESTIC: 1, MarketSector.NON_DOMESTIC: 2}
_BACKSTOP_WORKING_DAYS = 5


class InvalidSupplyStartDate(DomainError):
    """A requested supply start date was refused; the message says why."""


class CalendarOutOfRange(DomainError):
    """A date fell outside the years the holiday table covers, so no answer can be trusted."""


class NaiveDatetime(DomainError):
    """An instant without a timezone was given where the rules need a definite moment."""


@dataclass(frozen=True)
class WorkingDayCalendar:
    """Monday to Friday, less a fixed table of bank holidays covering whole years."""

    version: str
    bank_holidays: frozenset[date]
    first_year: int
    last_year: int

    @classmethod
    def from_holidays(
        cls, source: str, holiday_dates: Iterable[date], first_year: int, last_year: int
    ) -> WorkingDayCalendar:
        """Build a calendar whose version names its source and fingerprints its dates."""
        table = frozenset(holiday_dates)
        canonical = "\n".join(sorted(d.isoformat() for d in table))
        fingerprint = hashlib.sha256(canonical.encode("ascii")).hexdigest()[:12]
        return cls(f"{source}/{fingerprint}", table, first_year, last_year)

    def is_working_day(self, day: date) -> bool:
        self._require_covered(day)
        return day.weekday() < 5 and day not in self.bank_holidays

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        candidate = day + _ONE_DAY
        while not self.is_working_day(candidate):
            candidate += _ONE_DAY
        return candidate

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before `day`."""
        candidate = day - _ONE_DAY
        while not self.is_working_day(candidate):
            candidate -= _ONE_DAY
        return candidate

    def add_working_days(self, day: date, n: int) -> date:
        """The day by which exactly n working days have passed after `day`.

        For n >= 1 this is the n-th working day strictly after `day`, so exactly n working
        days lie in (day, result]; `day` itself never counts, whether or not it is a
        working day (Saturday + 1 is Monday, Friday + 1 is Monday). n == 0 rolls forward:
        `day` if it is a working day, else the next one.
        """
        if n < 0:
            raise ValueError(f"working days to add must be >= 0, got {n}")
        if n == 0:
            return day if self.is_working_day(day) else self.next_working_day(day)
        result = day
        for _ in range(n):
            result = self.next_working_day(result)
        return result

    def count_working_days(self, after: date, through: date) -> int:
        """How many working days lie in (after, through]."""
        count, day = 0, after + _ONE_DAY
        while day <= through:
            count += self.is_working_day(day)
            day += _ONE_DAY
        return count

    def add_working_days_at(self, instant: datetime, n: int) -> datetime:
        """The same London wall-clock time on the n-th working day after the instant's date.

        The result always falls on a working day (Monday to Friday) and the UK clocks change
        only on Sundays, so the London time always exists exactly once on that day.
        """
        local = to_london(instant)
        day = self.add_working_days(local.date(), n)
        return _london_to_utc(day, local.time())

    def objection_window_end(self, validated_at: datetime, sector: MarketSector) -> datetime:
        """Same clock time 1 working day (domestic) or 2 (non-domestic) after validation."""
        return self.add_working_days_at(validated_at, _OBJECTION_WINDOW_WORKING_DAYS[sector])

    def gate_closure(self, ssd: date) -> datetime:
        """17:00 London on the last working day before the supply start date."""
        return _london_to_utc(self.previous_working_day(ssd), GATE_CLOSURE)

    def earliest_supply_start_date(self, validated_at: datetime, sector: MarketSector) -> date:
        """The day after the first gate closure at or after the objection window's end."""
        window_end = to_london(self.objection_window_end(validated_at, sector))
        gate_day = window_end.date()
        # The window always ends on a working day, so that day's 17:00 is a gate closure.
        if window_end.time() > GATE_CLOSURE:
            gate_day = self.next_working_day(gate_day)
        return gate_day + _ONE_DAY

    def check_supply_start_date(
        self, requested_at: datetime, ssd: date | None, sector: MarketSector
    ) -> date:
        """The SSD to request: the earliest when none is asked for, else the one asked for.

        Refuses a date in the past, one more than 28 days after the London date of the
        request, and one before the earliest the lifecycle can reach.
        """
        today = to_london(requested_at).date()
        earliest = self.earliest_supply_start_date(requested_at, sector)
        if ssd is None:
            return earliest
        if ssd < today:
            raise InvalidSupplyStartDate(
                f"supply start date {ssd.isoformat()} is in the past "
                f"(today in London is {today.isoformat()})"
            )
        latest = today + timedelta(days=MAX_SSD_DAYS_AHEAD)
        if ssd > latest:
            raise InvalidSupplyStartDate(
                f"supply start date {ssd.isoformat()} is more than {MAX_SSD_DAYS_AHEAD} days "
                f"ahead of {today.isoformat()} (the latest allowed is {latest.isoformat()})"
            )
        if ssd < earliest:
            raise InvalidSupplyStartDate(
                f"supply start date {ssd.isoformat()} is before the earliest possible, "
                f"{earliest.isoformat()}"
            )
        return ssd

    def request_day(self, submitted_at: datetime) -> date:
        """The day the industry's clock starts for a request CSS received at `submitted_at`.

        Its London date when that is a working day and the time is before 17:00 (17:00
        itself is too late), else the next working day.
        """
        local = to_london(submitted_at)
        day = local.date()
        if self.is_working_day(day) and local.time() < GATE_CLOSURE:
            return day
        return self.next_working_day(day)

    def target_supply_start_date(
        self, submitted_at: datetime, sector: MarketSector, requested_ssd: date | None = None
    ) -> date:
        """The 2nd working day after the request day (3rd non-domestic), or a later request."""
        days = _OBJECTION_WINDOW_WORKING_DAYS[sector] + 1
        return _later(self.add_working_days(self.request_day(submitted_at), days), requested_ssd)

    def backstop_supply_start_date(
        self, submitted_at: datetime, requested_ssd: date | None = None
    ) -> date:
        """The 5th working day after the request day, or a later requested SSD."""
        day = self.add_working_days(self.request_day(submitted_at), _BACKSTOP_WORKING_DAYS)
        return _later(day, requested_ssd)

    def supply_deadlines(
        self, submitted_at: datetime, sector: MarketSector, requested_ssd: date | None = None
    ) -> SupplyDeadlines:
        """Every date the switch is judged by, for a request CSS received at `submitted_at`.

        CSS validates on receipt, so the objection window and the earliest SSD are reckoned
        from the same instant. The SSD to ask for is the requested one, or the earliest when
        none was asked for or the one asked for can no longer be honoured.
        """
        earliest = self.earliest_supply_start_date(submitted_at, sector)
        later = requested_ssd if requested_ssd is not None and requested_ssd > earliest else None
        target = self.target_supply_start_date(submitted_at, sector, later)
        backstop = self.backstop_supply_start_date(submitted_at, later)
        return SupplyDeadlines(
            submitted_at=submitted_at.astimezone(UTC),
            market_sector=sector,
            request_day=self.request_day(submitted_at),
            supply_start_date=later or earliest,
            objection_window_end=self.objection_window_end(submitted_at, sector),
            earliest_supply_start_date=earliest,
            earliest_gate_closure=self.gate_closure(earliest),
            target_supply_start_date=target,
            target_gate_closure=self.gate_closure(target),
            backstop_supply_start_date=backstop,
            backstop_gate_closure=self.gate_closure(backstop),
            calendar_version=self.version,
        )

    def _require_covered(self, day: date) -> None:
        if not self.first_year <= day.year <= self.last_year:
            raise CalendarOutOfRange(
                f"{day.isoformat()} is outside the holiday table {self.version} "
                f"({self.first_year}-{self.last_year})"
            )


@dataclass(frozen=True)
class SupplyDeadlines:
    """The dates of one request, all from the rules above; instants in UTC."""

    submitted_at: datetime
    market_sector: MarketSector
    request_day: date
    supply_start_date: date
    objection_window_end: datetime
    earliest_supply_start_date: date
    earliest_gate_closure: datetime
    target_supply_start_date: date
    target_gate_closure: datetime
    backstop_supply_start_date: date
    backstop_gate_closure: datetime
    calendar_version: str


def _later(day: date, requested_ssd: date | None) -> date:
    return day if requested_ssd is None else max(day, requested_ssd)


def to_london(instant: datetime) -> datetime:
    """The instant as Europe/London wall-clock time; refuses a naive datetime."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise NaiveDatetime(
            f"datetime {instant.isoformat()} has no timezone; pass an aware datetime "
            "(e.g. with tzinfo=UTC)"
        )
    return instant.astimezone(LONDON)


def _london_to_utc(day: date, wall_clock: time) -> datetime:
    return datetime.combine(day, wall_clock, tzinfo=LONDON).astimezone(UTC)


@cache
def england_and_wales(
    first_year: int = DEFAULT_FIRST_YEAR, last_year: int = DEFAULT_LAST_YEAR
) -> WorkingDayCalendar:
    """England & Wales bank holidays from the `holidays` package, built once per range."""
    table = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    source = f"ENG/holidays-{holidays_version}"
    return WorkingDayCalendar.from_holidays(source, table.keys(), first_year, last_year)
