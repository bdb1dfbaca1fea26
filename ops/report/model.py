"""What a report is made of: a period, and sections of tables and charts, each contributed
by a source that reads the event store (one per process: switches today; orders and losses
add theirs beside it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal

from domain.calendar import LONDON
from eventstore.postgres import PostgresEventStore


@dataclass(frozen=True)
class Period:
    """Whole London days, both ends included."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), tzinfo=LONDON)

    @property
    def end(self) -> datetime:
        """The instant just after the period (midnight in London after its last day)."""
        return datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=LONDON)

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]


@dataclass(frozen=True)
class Chart:
    """Bars: one series per name over the categories; `stacked` piles them up."""

    categories: list[str]
    series: dict[str, list[float]]
    y_title: str
    stacked: bool = False
    kind: Literal["bar"] = "bar"


@dataclass(frozen=True)
class Section:
    title: str
    #: Sentences stating the section's figures (the text report prints these first).
    summary: list[str] = field(default_factory=list)
    table: Table | None = None
    chart: Chart | None = None


Source = Callable[[PostgresEventStore, Period], Awaitable[list[Section]]]
