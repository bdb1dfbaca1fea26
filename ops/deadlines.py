"""`switching deadlines`: the dates the engine would judge a switch by, for any submission.

It calls the calendar function the workflow's deadline activity calls, so what it prints is
what a switch submitted to CSS at that instant would record. An instant without an offset
is read as London wall-clock time; one the clocks skip, or pass twice, must say its offset.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime

from domain.calendar import LONDON, SupplyDeadlines, WorkingDayCalendar, england_and_wales
from domain.errors import DomainError
from domain.identifiers import MarketSector
from ops.errors import InvalidInput

_SECTOR_NAMES = {MarketSector.DOMESTIC: "domestic", MarketSector.NON_DOMESTIC: "non-domestic"}


def report(
    at: str | None,
    sector: str,
    ssd: str | None,
    *,
    as_json: bool = False,
    now: datetime | None = None,
    calendar: WorkingDayCalendar | None = None,
) -> str:
    """The report for the command's arguments, or `InvalidInput` naming the bad one."""
    calendar = calendar or england_and_wales()
    submitted_at = parse_instant(at) if at is not None else (now or datetime.now(UTC))
    market_sector = _sector(sector)
    requested = _date(ssd, "--ssd") if ssd is not None else None
    try:
        if requested is not None:
            calendar.check_supply_start_date(submitted_at, requested, market_sector)
        found = calendar.supply_deadlines(submitted_at, market_sector, requested)
    except DomainError as error:
        raise InvalidInput(str(error)) from None
    return to_json(found) if as_json else to_text(found, requested)


def parse_instant(text: str) -> datetime:
    """An ISO-8601 instant; without an offset, London wall-clock time."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"--at {text!r} is not an ISO-8601 instant (e.g. 2026-03-13T17:01 or "
            "2026-03-13T17:01:00+00:00)"
        ) from None
    if parsed.tzinfo is not None:
        return parsed
    first, second = (parsed.replace(tzinfo=LONDON, fold=fold) for fold in (0, 1))
    if first.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None) != parsed:
        raise InvalidInput(
            f"--at {text}: London clocks skip that time (they go forward that night); "
            "give an offset or another time"
        )
    if first.utcoffset() != second.utcoffset():
        raise InvalidInput(
            f"--at {text}: London clocks show that time twice (they go back that night); "
            f"give its offset, {_offset(first)} or {_offset(second)}"
        )
    return first


def to_text(found: SupplyDeadlines, requested: date | None = None) -> str:
    sector = found.market_sector
    rows = [
        ("submitted to CSS", f"{_when(found.submitted_at)}  ({found.submitted_at.isoformat()})"),
        ("market sector", f"{sector.value} ({_SECTOR_NAMES[sector]})"),
        ("request day", _day(found.request_day)),
        ("objection window", f"ends {_when(found.objection_window_end)}"),
        (
            "earliest SSD",
            _with_closure(found.earliest_supply_start_date, found.earliest_gate_closure),
        ),
    ]
    if requested is not None:
        rows.append(("requested SSD", _day(requested)))
    rows += [
        ("target SSD", _with_closure(found.target_supply_start_date, found.target_gate_closure)),
        (
            "backstop SSD",
            _with_closure(
                found.backstop_supply_start_date, found.backstop_gate_closure, "; later owes £30"
            ),
        ),
        ("calendar", found.calendar_version),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def to_json(found: SupplyDeadlines) -> str:
    fields = {
        name: value.isoformat() if isinstance(value, date) else str(value)
        for name, value in dataclasses.asdict(found).items()
    }
    return json.dumps(fields, indent=2)


def _with_closure(day: date, closure: datetime, note: str = "") -> str:
    return f"{_day(day)}  (gate closure {_when(closure)}{note})"


def _day(day: date) -> str:
    return f"{day:%a} {day.isoformat()}"


def _when(instant: datetime) -> str:
    local = instant.astimezone(LONDON)
    return f"{local:%a %Y-%m-%d %H:%M} {local.tzname()}"


def _offset(instant: datetime) -> str:
    return instant.isoformat()[-6:]


def _sector(text: str) -> MarketSector:
    try:
        return MarketSector(text.strip().upper())
    except ValueError:
        raise InvalidInput(f"--sector {text!r} is not one of D, N") from None


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{option} {text!r} is not a date YYYY-MM-DD") from None
