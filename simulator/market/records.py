"""The market file's records, its writer and its reader (the API every simulated service
uses): premises with their electricity and gas meter points. The format is described in
the package docstring (`simulator.market`)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = "switching-market"
VERSION = 1

#: Wire names of an address as the electricity service writes it.
ELECTRICITY_ADDRESS_FIELDS = ("addressLines", "postTown", "postcode", "uprn")
#: Wire names of an address as the gas service writes it.
GAS_ADDRESS_FIELDS = (
    "subBuildingName",
    "buildingName",
    "buildingNumber",
    "dependentThoroughfare",
    "thoroughfare",
    "dependentLocality",
    "postTown",
    "county",
    "postcode",
    "uprn",
)


class MarketFileError(ValueError):
    """The market file is unreadable or not in the documented format; says where."""


@dataclass(frozen=True)
class Address:
    """The premises' canonical (PAF-style) address: the truth both services derive from."""

    sub_building: str | None
    building_name: str | None
    building_number: str | None
    street: str | None
    locality: str | None
    post_town: str
    county: str

    def one_line(self, postcode: str) -> str:
        number_street = " ".join(p for p in (self.building_number, self.street) if p)
        parts = (self.sub_building, self.building_name, number_street, self.locality)
        return ", ".join([*(p for p in parts if p), self.post_town, postcode])


@dataclass(frozen=True)
class ElectricityPoint:
    mpan: str  # the 13-digit core
    profile_class: str  # 00-08
    meter_timeswitch_code: str  # 001-999
    line_loss_factor_class: str
    gsp_group: str  # "_A" .. "_P"
    energised: bool
    deactivated: bool
    market_sector: str  # "D" or "N"
    supplier_id: str
    related_mpans: tuple[str, ...]
    switch_pending: bool
    #: The address as the electricity service writes it (ELECTRICITY_ADDRESS_FIELDS).
    address: Mapping[str, Any] = field(compare=False)

    @property
    def distributor_id(self) -> str:
        return self.mpan[:2]

    @property
    def full_mpan(self) -> str:
        """The 21 digits: profile class, meter timeswitch code, LLFC, then the core."""
        top = f"{self.profile_class}{self.meter_timeswitch_code}{self.line_loss_factor_class}"
        return top + self.mpan


@dataclass(frozen=True)
class GasPoint:
    mprn: str
    supplier_id: str
    shipper_id: str
    status: str  # "LIVE", "ISOLATED" (capped or clamped) or "DEAD" (meter removed)
    market_sector: str
    switch_pending: bool
    #: The address as the gas service writes it (GAS_ADDRESS_FIELDS).
    address: Mapping[str, Any] = field(compare=False)


@dataclass(frozen=True)
class Premises:
    uprn: str
    postcode: str
    address: Address
    electricity: tuple[ElectricityPoint, ...]
    gas: tuple[GasPoint, ...]


@dataclass(frozen=True)
class MarketHeader:
    seed: int
    premises: int
    our_supplier_id: str


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _plain(value: Any) -> dict[str, Any]:
    return {_camel(k): list(v) if isinstance(v, tuple) else v for k, v in vars(value).items()}


def premises_to_json(premises: Premises) -> dict[str, Any]:
    return {
        "uprn": premises.uprn,
        "postcode": premises.postcode,
        "address": _plain(premises.address),
        "electricity": [_plain(p) for p in premises.electricity],
        "gas": [_plain(p) for p in premises.gas],
    }


def write_market(path: Path, header: MarketHeader, premises: Iterable[Premises]) -> int:
    """Write the file whole, then move it into place; returns the number of premises."""
    partial = path.with_name(f".{path.name}.partial")
    count = 0
    with partial.open("w", encoding="utf-8") as out:
        head = {"format": FORMAT, "version": VERSION, **_plain(header)}
        out.write(json.dumps(head, separators=(",", ":")) + "\n")
        for item in premises:
            out.write(json.dumps(premises_to_json(item), separators=(",", ":")) + "\n")
            count += 1
    partial.replace(path)
    return count


def _fields(raw: Mapping[str, Any], cls: type[Any], skip: tuple[str, ...] = ()) -> dict[str, Any]:
    names = [n for n in cls.__dataclass_fields__ if n not in skip]
    missing = [_camel(n) for n in names if _camel(n) not in raw]
    if missing:
        raise KeyError(", ".join(missing))
    return {n: tuple(v) if isinstance(v := raw[_camel(n)], list) else v for n in names}


def premises_from_json(raw: Mapping[str, Any]) -> Premises:
    return Premises(
        uprn=raw["uprn"],
        postcode=raw["postcode"],
        address=Address(**_fields(raw["address"], Address)),
        electricity=tuple(
            ElectricityPoint(**_fields(p, ElectricityPoint)) for p in raw["electricity"]
        ),
        gas=tuple(GasPoint(**_fields(p, GasPoint)) for p in raw["gas"]),
    )


def _read_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        handle = path.open(encoding="utf-8")
    except OSError as error:
        raise MarketFileError(f"cannot read the market file {path}: {error}") from None
    with handle:
        for number, line in enumerate(handle, start=1):
            try:
                value = json.loads(line)
            except ValueError as error:
                raise MarketFileError(f"{path}:{number}: not JSON ({error})") from None
            if not isinstance(value, dict):
                raise MarketFileError(f"{path}:{number}: expected a JSON object")
            yield number, value


class Market:
    """A loaded market file with the look-ups the simulated services need."""

    def __init__(self, header: MarketHeader, premises: Iterable[Premises]) -> None:
        self.header = header
        self.premises = tuple(premises)
        self._electricity: dict[str, ElectricityPoint] = {}
        self._gas: dict[str, GasPoint] = {}
        self._at: dict[str, Premises] = {}
        self._by_postcode: dict[str, list[Premises]] = {}
        for item in self.premises:
            self._by_postcode.setdefault(item.postcode, []).append(item)
            for point in item.electricity:
                self._electricity[point.mpan] = point
                self._at[point.mpan] = item
            for gas in item.gas:
                self._gas[gas.mprn] = gas
                self._at[gas.mprn] = item

    @classmethod
    def load(cls, path: Path) -> Market:
        lines = _read_lines(path)
        first = next(lines, None)
        if first is None or first[1].get("format") != FORMAT:
            raise MarketFileError(f"{path} is not a market file (no '{FORMAT}' header line)")
        if first[1].get("version") != VERSION:
            raise MarketFileError(f"{path}: version {first[1].get('version')!r} is not {VERSION}")
        try:
            header = MarketHeader(**_fields(first[1], MarketHeader))
        except KeyError as error:
            raise MarketFileError(f"{path}:1: header lacks {error.args[0]}") from None
        premises = []
        for number, raw in lines:
            try:
                premises.append(premises_from_json(raw))
            except (KeyError, TypeError) as error:
                raise MarketFileError(f"{path}:{number}: missing or wrong field {error}") from None
        return cls(header, premises)

    def electricity(self, mpan: str) -> ElectricityPoint | None:
        return self._electricity.get(mpan)

    def gas(self, mprn: str) -> GasPoint | None:
        return self._gas.get(mprn)

    def premises_of(self, mpxn: str) -> Premises | None:
        """The premises an MPAN core or an MPRN belongs to."""
        return self._at.get(mpxn)

    def at_postcode(self, postcode: str) -> list[Premises]:
        """Every premises of a postcode in normal form ("LS6 2AB")."""
        return self._by_postcode.get(postcode, [])

    def electricity_at(self, postcode: str) -> list[ElectricityPoint]:
        return [p for item in self.at_postcode(postcode) for p in item.electricity]

    def gas_at(self, postcode: str) -> list[GasPoint]:
        return [p for item in self.at_postcode(postcode) for p in item.gas]
