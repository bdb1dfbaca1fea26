"""The rules a request to switch a meter point must meet, field by field.

Two doors use them: signup's `validate_request` (Python callers) and the workflow itself,
which reads a start's raw JSON so that a client in any language meets the same checks. Each
refusal names the field and the rule. The supply start date's check needs the holiday
table, so it is kept apart (`check_supply_start_date`) for callers that hold a calendar.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar

from domain.calendar import WorkingDayCalendar
from domain.errors import DomainError
from domain.identifiers import Fuel, MarketSector, parse_mpid, parse_mpxn
from domain.request import SwitchDetails

# Letters, digits and a few separators: a switch id is a reference, never a customer's name.
SWITCH_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")

_E = TypeVar("_E", bound=StrEnum)


class InvalidSwitchRequest(DomainError):
    """The request cannot start a switch; the message names the field and the problem."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class CheckedRequest:
    """A request once checked: its switch id and its normalised details."""

    switch_id: str
    details: SwitchDetails


def check_fields(
    *,
    switch_id: str,
    fuel: str,
    mpxn: str,
    market_sector: str,
    requested_supply_start_date: date | None,
    change_of_occupancy: bool,
    erroneous_transfer: bool,
    shipper_id: str | None,
) -> CheckedRequest:
    """Every rule but the supply start date's calendar check."""
    if not SWITCH_ID.fullmatch(switch_id):
        raise InvalidSwitchRequest(
            "switch_id",
            f"switch_id {switch_id!r} must be 1-64 letters, digits or . _ : - "
            "(starting with a letter or digit)",
        )
    fuel_kind = _enum(Fuel, fuel, "fuel")
    sector = _enum(MarketSector, market_sector, "market_sector")
    try:
        meter_point = str(parse_mpxn(mpxn, fuel_kind))
    except DomainError as error:
        raise InvalidSwitchRequest("mpxn", f"mpxn: {error}") from None
    try:
        shipper = None if shipper_id is None else str(parse_mpid(shipper_id))
    except DomainError as error:
        raise InvalidSwitchRequest("shipper_id", f"shipper_id: {error}") from None
    if fuel_kind is Fuel.GAS and shipper is None:
        raise InvalidSwitchRequest("shipper_id", "shipper_id is required for a gas switch")
    details = SwitchDetails(
        fuel=fuel_kind,
        mpxn=meter_point,
        market_sector=sector,
        requested_supply_start_date=requested_supply_start_date,
        change_of_occupancy=change_of_occupancy,
        erroneous_transfer=erroneous_transfer,
        shipper_id=shipper,
    )
    return CheckedRequest(switch_id, details)


def fields_from_json(raw: Mapping[str, object]) -> CheckedRequest:
    """The fields of a JSON object as another language's client sends them, checked."""
    ssd = _optional(raw, "requested_supply_start_date", str, "a date YYYY-MM-DD or null")
    return check_fields(
        switch_id=_required(raw, "switch_id", "a string"),
        fuel=_required(raw, "fuel", "ELECTRICITY or GAS"),
        mpxn=_required(raw, "mpxn", "an MPAN core or an MPRN"),
        market_sector=_required(raw, "market_sector", "D or N"),
        requested_supply_start_date=None if ssd is None else _date(ssd),
        change_of_occupancy=_flag(raw, "change_of_occupancy"),
        erroneous_transfer=_flag(raw, "erroneous_transfer"),
        shipper_id=_optional(raw, "shipper_id", str, "an MPID string or null"),
    )


def check_supply_start_date(
    calendar: WorkingDayCalendar,
    reaches_css_at: datetime,
    ssd: date | None,
    sector: MarketSector,
) -> None:
    """Refuse an SSD in the past, over 28 days ahead or before the earliest possible, as of
    when the request will reach CSS."""
    try:
        calendar.check_supply_start_date(reaches_css_at, ssd, sector)
    except DomainError as error:
        raise InvalidSwitchRequest(
            "requested_supply_start_date", f"requested_supply_start_date: {error}"
        ) from None


def _enum(kind: type[_E], value: str, field: str) -> _E:
    try:
        return kind(value.strip().upper())
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise InvalidSwitchRequest(field, f"{field} {value!r} is not one of {allowed}") from None


def _required(raw: Mapping[str, object], field: str, expected: str) -> str:
    if raw.get(field) is None:
        raise InvalidSwitchRequest(field, f"{field} is missing (expected {expected})")
    value = _optional(raw, field, str, expected)
    assert value is not None
    return value


_T = TypeVar("_T")


def _optional(raw: Mapping[str, object], field: str, kind: type[_T], expected: str) -> _T | None:
    value = raw.get(field)
    if value is None:
        return None
    if not isinstance(value, kind):
        raise InvalidSwitchRequest(
            field, f"{field} must be {expected}, got {type(value).__name__} {value!r}"
        )
    return value


def _flag(raw: Mapping[str, object], field: str) -> bool:
    # JSON's true/false (or null, as if absent): 0, 1 or "yes" from a loosely typed client
    # is refused rather than guessed at.
    value = raw.get(field)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InvalidSwitchRequest(
            field, f"{field} must be true or false, got {type(value).__name__} {value!r}"
        )
    return value


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidSwitchRequest(
            "requested_supply_start_date",
            f"requested_supply_start_date {text!r} is not a date YYYY-MM-DD",
        ) from None
