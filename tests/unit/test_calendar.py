"""The England & Wales working-day calendar and the deadlines computed from it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.calendar import (
    GATE_CLOSURE,
    LONDON,
    MAX_SSD_DAYS_AHEAD,
    CalendarOutOfRange,
    InvalidSupplyStartDate,
    NaiveDatetime,
    WorkingDayCalendar,
    england_and_wales,
)
from domain.errors import DomainError
from domain.identifiers import MarketSector

CAL = england_and_wales()
DOMESTIC = MarketSector.DOMESTIC
NON_DOMESTIC = MarketSector.NON_DOMESTIC

# An oracle built straight from the holidays package, independent of the calendar's code.
_ORACLE_HOLIDAYS = set(holidays.country_holidays("GB", subdiv="ENG", years=range(2020, 2041)))


def oracle_is_working(day: date) -> bool:
    return day.weekday() < 5 and day not in _ORACLE_HOLIDAYS


def oracle_working_days_in(after: date, through: date) -> int:
    """Working days in the half-open interval (after, through]."""
    days = (through - after).days
    return sum(oracle_is_working(after + timedelta(days=k)) for k in range(1, days + 1))


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


dates = st.dates(min_value=date(2021, 1, 1), max_value=date(2039, 11, 30))
instants = st.datetimes(
    min_value=datetime(2021, 1, 1), max_value=datetime(2039, 11, 30), timezones=st.just(UTC)
)
sectors = st.sampled_from(MarketSector)


class TestHolidayTable:
    def test_christmas_2026_friday_and_boxing_day_substitute_monday(self) -> None:
        assert date(2026, 12, 25).weekday() == 4
        assert not CAL.is_working_day(date(2026, 12, 25))
        assert not CAL.is_working_day(date(2026, 12, 28))
        assert CAL.is_working_day(date(2026, 12, 24))
        assert CAL.is_working_day(date(2026, 12, 29))
        assert CAL.next_working_day(date(2026, 12, 24)) == date(2026, 12, 29)
        assert CAL.previous_working_day(date(2026, 12, 29)) == date(2026, 12, 24)

    def test_easter_2027(self) -> None:
        assert not CAL.is_working_day(date(2027, 3, 26))  # Good Friday
        assert not CAL.is_working_day(date(2027, 3, 29))  # Easter Monday
        assert CAL.next_working_day(date(2027, 3, 25)) == date(2027, 3, 30)
        assert CAL.add_working_days(date(2027, 3, 25), 1) == date(2027, 3, 30)

    def test_coronation_one_off_holiday_2023(self) -> None:
        assert not CAL.is_working_day(date(2023, 5, 8))
        assert CAL.is_working_day(date(2023, 5, 9))
        assert CAL.next_working_day(date(2023, 5, 5)) == date(2023, 5, 9)

    def test_weekends_are_not_working_days(self) -> None:
        assert not CAL.is_working_day(date(2026, 3, 7))
        assert not CAL.is_working_day(date(2026, 3, 8))
        assert CAL.is_working_day(date(2026, 3, 9))

    def test_version_names_source_and_fingerprints_dates(self) -> None:
        assert re.fullmatch(r"ENG/holidays-[0-9.]+/[0-9a-f]{12}", CAL.version)
        assert CAL.version.startswith(f"ENG/holidays-{holidays.__version__}/")

    def test_version_changes_when_a_holiday_is_announced(self) -> None:
        base = [date(2026, 12, 25), date(2026, 12, 28)]
        one = WorkingDayCalendar.from_holidays("T", base, 2026, 2026)
        same = WorkingDayCalendar.from_holidays("T", reversed(base), 2026, 2026)
        more = WorkingDayCalendar.from_holidays("T", [*base, date(2026, 6, 1)], 2026, 2026)
        assert one.version == same.version
        assert one.version != more.version
        assert not more.is_working_day(date(2026, 6, 1))
        assert one.is_working_day(date(2026, 6, 1))

    def test_default_calendar_is_built_once(self) -> None:
        assert england_and_wales() is CAL

    def test_dates_outside_the_table_are_refused(self) -> None:
        with pytest.raises(CalendarOutOfRange, match="2041-01-01 is outside the holiday table"):
            CAL.is_working_day(date(2041, 1, 1))
        with pytest.raises(CalendarOutOfRange):
            CAL.next_working_day(date(2040, 12, 31))


class TestAddWorkingDays:
    def test_zero_keeps_a_working_day_and_rolls_a_weekend_forward(self) -> None:
        assert CAL.add_working_days(date(2026, 3, 9), 0) == date(2026, 3, 9)
        assert CAL.add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 9)
        assert CAL.add_working_days(date(2026, 12, 25), 0) == date(2026, 12, 29)

    def test_the_starting_day_never_counts(self) -> None:
        assert CAL.add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)  # Fri -> Mon
        assert CAL.add_working_days(date(2026, 3, 7), 1) == date(2026, 3, 9)  # Sat -> Mon
        assert CAL.add_working_days(date(2026, 12, 23), 5) == date(2027, 1, 4)

    def test_negative_is_refused(self) -> None:
        with pytest.raises(ValueError, match="must be >= 0, got -1"):
            CAL.add_working_days(date(2026, 3, 9), -1)

    @given(day=dates, n=st.integers(min_value=1, max_value=30))
    def test_lands_on_a_working_day_with_exactly_n_working_days_after_start(
        self, day: date, n: int
    ) -> None:
        result = CAL.add_working_days(day, n)
        assert oracle_is_working(result)
        assert oracle_working_days_in(day, result) == n
        assert CAL.count_working_days(day, result) == n

    @given(day=dates)
    def test_zero_is_the_first_working_day_on_or_after_start(self, day: date) -> None:
        result = CAL.add_working_days(day, 0)
        assert oracle_is_working(result)
        assert result >= day
        assert oracle_working_days_in(day - timedelta(days=1), result) == 1

    @given(day=dates)
    def test_next_and_previous_are_adjacent_working_days(self, day: date) -> None:
        after, before = CAL.next_working_day(day), CAL.previous_working_day(day)
        assert before < day < after
        assert oracle_working_days_in(day, after) == 1
        assert oracle_working_days_in(before, day - timedelta(days=1)) == 0
        assert oracle_is_working(before)


class TestAddWorkingDaysAt:
    def test_keeps_london_clock_across_the_autumn_clock_change(self) -> None:
        # Friday 23 Oct 2026 is BST; the clocks go back on Sunday 25 Oct.
        start = london(2026, 10, 23, 10, 30)
        assert start.astimezone(UTC).hour == 9
        result = CAL.add_working_days_at(start, 1)
        assert result == utc(2026, 10, 26, 10, 30)
        assert result.tzinfo is UTC
        assert result.astimezone(LONDON).time() == time(10, 30)

    def test_naive_datetime_is_refused_clearly(self) -> None:
        with pytest.raises(NaiveDatetime, match="has no timezone") as caught:
            CAL.add_working_days_at(datetime(2026, 3, 9, 9, 0), 1)
        assert isinstance(caught.value, ValueError)
        assert isinstance(caught.value, DomainError)

    @given(instant=instants, n=st.integers(min_value=0, max_value=10))
    def test_same_wall_clock_on_the_nth_working_day(self, instant: datetime, n: int) -> None:
        result = CAL.add_working_days_at(instant, n)
        start_local, result_local = instant.astimezone(LONDON), result.astimezone(LONDON)
        assert result.utcoffset() == timedelta(0)
        assert result_local.time() == start_local.time()
        assert result_local.date() == CAL.add_working_days(start_local.date(), n)


class TestGateClosure:
    def test_gate_closure_in_bst_and_after_the_clock_change(self) -> None:
        # SSD Monday 26 Oct 2026: gate closes Friday 23 Oct 17:00 BST = 16:00 UTC.
        assert CAL.gate_closure(date(2026, 10, 26)) == utc(2026, 10, 23, 16, 0)
        # SSD Tuesday 27 Oct 2026: gate closes Monday 26 Oct 17:00 GMT = 17:00 UTC.
        assert CAL.gate_closure(date(2026, 10, 27)) == utc(2026, 10, 26, 17, 0)

    def test_gate_closure_skips_christmas(self) -> None:
        assert CAL.gate_closure(date(2026, 12, 29)) == utc(2026, 12, 24, 17, 0)

    @given(ssd=dates)
    def test_every_gate_closure_is_17_london_on_the_last_working_day_before(
        self, ssd: date
    ) -> None:
        closure = CAL.gate_closure(ssd)
        local = closure.astimezone(LONDON)
        assert closure.tzinfo is UTC
        assert local.time() == GATE_CLOSURE
        assert oracle_is_working(local.date())
        assert local.date() < ssd
        assert oracle_working_days_in(local.date(), ssd - timedelta(days=1)) == 0


class TestEarliestSupplyStartDate:
    def test_worked_example_domestic_monday_morning_starts_wednesday(self) -> None:
        validated = london(2026, 3, 9, 9, 0)  # Monday
        assert CAL.objection_window_end(validated, DOMESTIC) == london(2026, 3, 10, 9, 0)
        ssd = CAL.earliest_supply_start_date(validated, DOMESTIC)
        assert ssd == date(2026, 3, 11)
        assert CAL.gate_closure(ssd) == london(2026, 3, 10, 17, 0)

    def test_non_domestic_window_is_two_working_days(self) -> None:
        validated = london(2026, 3, 9, 9, 0)
        assert CAL.objection_window_end(validated, NON_DOMESTIC) == london(2026, 3, 11, 9, 0)
        assert CAL.earliest_supply_start_date(validated, NON_DOMESTIC) == date(2026, 3, 12)

    def test_window_ending_at_gate_closure_catches_it(self) -> None:
        validated = london(2026, 3, 9, 17, 0)
        assert CAL.earliest_supply_start_date(validated, DOMESTIC) == date(2026, 3, 11)

    def test_window_ending_after_gate_closure_waits_a_working_day(self) -> None:
        validated = london(2026, 3, 13, 17, 1)  # Friday evening
        # Window ends Monday 17:01, so Tuesday's 17:00 gate, SSD Wednesday.
        assert CAL.earliest_supply_start_date(validated, DOMESTIC) == date(2026, 3, 18)

    def test_christmas_2026_pushes_the_start(self) -> None:
        validated = london(2026, 12, 24, 9, 0)
        assert CAL.objection_window_end(validated, DOMESTIC) == london(2026, 12, 29, 9, 0)
        assert CAL.earliest_supply_start_date(validated, DOMESTIC) == date(2026, 12, 30)

    @given(validated=instants, sector=sectors)
    def test_earliest_is_the_first_ssd_whose_gate_closes_after_the_window(
        self, validated: datetime, sector: MarketSector
    ) -> None:
        window_end = CAL.objection_window_end(validated, sector)
        ssd = CAL.earliest_supply_start_date(validated, sector)
        assert CAL.gate_closure(ssd) >= window_end
        assert CAL.gate_closure(ssd - timedelta(days=1)) < window_end


class TestCheckSupplyStartDate:
    requested = london(2026, 3, 9, 9, 0)  # Monday; earliest domestic SSD is Wed 11 Mar

    def test_none_means_the_earliest(self) -> None:
        assert CAL.check_supply_start_date(self.requested, None, DOMESTIC) == date(2026, 3, 11)

    def test_accepts_the_earliest_and_the_last_allowed_day(self) -> None:
        last = date(2026, 3, 9) + timedelta(days=MAX_SSD_DAYS_AHEAD)
        assert CAL.check_supply_start_date(self.requested, last, DOMESTIC) == last
        earliest = date(2026, 3, 11)
        assert CAL.check_supply_start_date(self.requested, earliest, DOMESTIC) == earliest

    def test_refuses_a_past_date(self) -> None:
        with pytest.raises(InvalidSupplyStartDate, match=r"2026-03-08 is in the past"):
            CAL.check_supply_start_date(self.requested, date(2026, 3, 8), DOMESTIC)

    def test_refuses_more_than_28_days_ahead(self) -> None:
        with pytest.raises(
            InvalidSupplyStartDate,
            match=r"2026-04-07 is more than 28 days ahead of 2026-03-09 "
            r"\(the latest allowed is 2026-04-06\)",
        ):
            CAL.check_supply_start_date(self.requested, date(2026, 4, 7), DOMESTIC)

    def test_refuses_before_the_earliest_and_names_it(self) -> None:
        with pytest.raises(
            InvalidSupplyStartDate,
            match=r"2026-03-10 is before the earliest possible, 2026-03-11",
        ):
            CAL.check_supply_start_date(self.requested, date(2026, 3, 10), DOMESTIC)
        with pytest.raises(InvalidSupplyStartDate, match="earliest possible, 2026-03-12"):
            CAL.check_supply_start_date(self.requested, date(2026, 3, 11), NON_DOMESTIC)


def _mon(hour: int, minute: int = 0) -> datetime:
    return london(2026, 3, 9, hour, minute)  # Monday 9 March 2026


class TestRequestDay:
    def test_a_working_day_before_17_is_that_day(self) -> None:
        assert CAL.request_day(_mon(16, 59)) == date(2026, 3, 9)
        assert CAL.request_day(london(2026, 3, 9, 16, 59, 59, 999999)) == date(2026, 3, 9)

    def test_17_exactly_and_later_is_the_next_working_day(self) -> None:
        assert CAL.request_day(_mon(17, 0)) == date(2026, 3, 10)
        assert CAL.request_day(_mon(17, 1)) == date(2026, 3, 10)
        assert CAL.request_day(london(2026, 3, 13, 17, 1)) == date(2026, 3, 16)  # Fri -> Mon

    def test_weekends_and_bank_holidays_wait_for_the_next_working_day(self) -> None:
        assert CAL.request_day(london(2026, 3, 7, 10, 0)) == date(2026, 3, 9)  # Saturday
        assert CAL.request_day(london(2026, 12, 25, 9, 0)) == date(2026, 12, 29)
        assert CAL.request_day(london(2026, 12, 24, 17, 0)) == date(2026, 12, 29)
        assert CAL.request_day(london(2023, 5, 8, 9, 0)) == date(2023, 5, 9)  # coronation

    def test_london_time_decides_not_utc(self) -> None:
        # 16:30 UTC on a summer Monday is 17:30 in London: too late for that day.
        assert CAL.request_day(utc(2026, 6, 1, 16, 30)) == date(2026, 6, 2)
        # 16:30 UTC on a winter Monday is 16:30 in London: in time.
        assert CAL.request_day(utc(2026, 3, 9, 16, 30)) == date(2026, 3, 9)
        # 23:30 UTC on Sunday 28 June is 00:30 on Monday in London.
        assert CAL.request_day(utc(2026, 6, 28, 23, 30)) == date(2026, 6, 29)

    def test_the_sunday_the_clocks_go_back(self) -> None:
        first = datetime(2026, 10, 25, 1, 30, tzinfo=LONDON, fold=0)  # BST
        second = datetime(2026, 10, 25, 1, 30, tzinfo=LONDON, fold=1)  # GMT
        assert first.astimezone(UTC) != second.astimezone(UTC)
        assert CAL.request_day(first) == CAL.request_day(second) == date(2026, 10, 26)

    @given(instant=instants)
    def test_is_a_working_day_never_before_the_london_date(self, instant: datetime) -> None:
        local = instant.astimezone(LONDON)
        day = CAL.request_day(instant)
        assert oracle_is_working(day)
        if oracle_is_working(local.date()) and local.time() < GATE_CLOSURE:
            assert day == local.date()
        else:
            assert oracle_working_days_in(local.date(), day) == 1


class TestTargetAndBackstop:
    """The worked examples of the rules, then the properties they must keep."""

    def test_domestic_examples(self) -> None:
        assert CAL.target_supply_start_date(_mon(16, 59), DOMESTIC) == date(2026, 3, 11)  # Wed
        assert CAL.target_supply_start_date(_mon(17, 1), DOMESTIC) == date(2026, 3, 12)  # Thu
        saturday = london(2026, 3, 7, 11, 0)
        assert CAL.target_supply_start_date(saturday, DOMESTIC) == date(2026, 3, 11)  # Wed

    def test_non_domestic_is_the_third_working_day(self) -> None:
        assert CAL.target_supply_start_date(_mon(10), NON_DOMESTIC) == date(2026, 3, 12)  # Thu

    def test_a_later_requested_ssd_is_the_target_and_the_backstop(self) -> None:
        later = date(2026, 4, 1)
        assert CAL.target_supply_start_date(_mon(10), DOMESTIC, later) == later
        assert CAL.backstop_supply_start_date(_mon(10), later) == later

    def test_an_earlier_requested_ssd_does_not_pull_them_in(self) -> None:
        assert CAL.target_supply_start_date(_mon(17, 1), DOMESTIC, date(2026, 3, 11)) == date(
            2026, 3, 12
        )
        assert CAL.backstop_supply_start_date(_mon(10), date(2026, 3, 11)) == date(2026, 3, 16)

    def test_backstop_is_the_fifth_working_day_whatever_the_sector(self) -> None:
        assert CAL.backstop_supply_start_date(_mon(16, 59)) == date(2026, 3, 16)
        assert CAL.backstop_supply_start_date(_mon(17, 0)) == date(2026, 3, 17)

    def test_backstop_over_christmas_and_new_year(self) -> None:
        # Request day Thu 24 Dec 2026; 29, 30, 31 Dec, (1 Jan holiday), 4, 5 Jan.
        submitted = london(2026, 12, 24, 14, 0)
        assert CAL.backstop_supply_start_date(submitted) == date(2027, 1, 5)
        assert CAL.target_supply_start_date(submitted, DOMESTIC) == date(2026, 12, 30)

    def test_supply_deadlines_of_a_friday_1701_domestic_request(self) -> None:
        found = CAL.supply_deadlines(london(2026, 3, 13, 17, 1), DOMESTIC)
        assert found.request_day == date(2026, 3, 16)
        assert found.objection_window_end == london(2026, 3, 16, 17, 1)
        assert found.earliest_supply_start_date == date(2026, 3, 18)
        assert found.earliest_gate_closure == london(2026, 3, 17, 17, 0)
        assert found.supply_start_date == date(2026, 3, 18)
        assert found.target_supply_start_date == date(2026, 3, 18)
        assert found.target_gate_closure == london(2026, 3, 17, 17, 0)
        assert found.backstop_supply_start_date == date(2026, 3, 23)
        assert found.backstop_gate_closure == london(2026, 3, 20, 17, 0)
        assert found.calendar_version == CAL.version

    def test_supply_deadlines_asks_for_a_later_ssd_and_judges_by_it(self) -> None:
        found = CAL.supply_deadlines(_mon(10), DOMESTIC, date(2026, 3, 28))  # a Saturday
        assert found.supply_start_date == date(2026, 3, 28)
        assert found.target_supply_start_date == date(2026, 3, 28)
        assert found.backstop_supply_start_date == date(2026, 3, 28)
        assert found.target_gate_closure == london(2026, 3, 27, 17, 0)

    def test_supply_deadlines_replaces_an_ssd_that_can_no_longer_be_honoured(self) -> None:
        found = CAL.supply_deadlines(_mon(17, 1), DOMESTIC, date(2026, 3, 11))
        assert found.supply_start_date == found.earliest_supply_start_date == date(2026, 3, 12)

    @given(submitted=instants, sector=sectors)
    def test_the_earliest_ssd_always_meets_the_target(
        self, submitted: datetime, sector: MarketSector
    ) -> None:
        found = CAL.supply_deadlines(submitted, sector)
        assert found.earliest_supply_start_date <= found.target_supply_start_date
        assert found.target_supply_start_date <= found.backstop_supply_start_date
        window = 1 if sector is DOMESTIC else 2
        assert oracle_working_days_in(found.request_day, found.target_supply_start_date) == (
            window + 1
        )
        assert oracle_working_days_in(found.request_day, found.backstop_supply_start_date) == 5
        assert found.target_gate_closure <= found.backstop_gate_closure
        assert submitted < found.earliest_gate_closure <= found.target_gate_closure

    @given(submitted=instants, sector=sectors, offset=st.integers(min_value=0, max_value=28))
    def test_a_requested_ssd_never_lowers_either_date(
        self, submitted: datetime, sector: MarketSector, offset: int
    ) -> None:
        requested = submitted.astimezone(LONDON).date() + timedelta(days=offset)
        plain = CAL.supply_deadlines(submitted, sector)
        asked = CAL.supply_deadlines(submitted, sector, requested)
        assert asked.target_supply_start_date == max(plain.target_supply_start_date, requested)
        assert asked.backstop_supply_start_date == max(plain.backstop_supply_start_date, requested)
        assert asked.supply_start_date == max(plain.earliest_supply_start_date, requested)
