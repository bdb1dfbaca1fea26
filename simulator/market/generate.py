"""The market generator: premises in realistic postcodes, with the neighbours that make
address matching hard, and their meter points. Deterministic for a seed.

Each postcode gets one or two *layouts*, each a kind of street scene with its look-alikes:

    terrace        numbered houses, a few with an "A" beside them (12 and 12A), some named
    two streets    two streets in one postcode numbered alike (12 High St, 12 Mill Lane)
    block          a named block of 11 or more flats (Flat 1 and Flat 11) at one number,
                   its landlord's supply (non-domestic, no flat), and houses beside it
    named          houses with names and no numbers along a lane
    conversions    houses split into floor flats or lettered flats (Flat A, Flat B)
    shops          shops (non-domestic) with a flat above each numbered 12A beside 12
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from domain.identifiers import mpan_core_check_digit, mprn_check_digits
from simulator.market import words
from simulator.market.records import Address, ElectricityPoint, GasPoint, Premises
from simulator.market.regions import AREAS, IDNO_IDS, Area
from simulator.market.styles import electricity_address, gas_address

_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_IDNO_SHARE = 0.08
_OURS_SHARE = 0.04
_PENDING_SHARE = 0.02
_DE_ENERGISED_SHARE = 0.02
_DEACTIVATED_SHARE = 0.01
_RELATED_SHARE = 0.05
_LOCALITY_SHARE = 0.3
_GAS_SHARE = {"house": 0.85, "flat": 0.5, "shop": 0.3, "landlord": 0.0}


@dataclass(frozen=True)
class MarketSpec:
    premises: int
    seed: int
    our_supplier_id: str = "GAIN"


@dataclass(frozen=True)
class _Draft:
    """One premises before meter points: its address parts and what kind it is."""

    sub_building: str | None
    building_name: str | None
    building_number: str | None
    street: str | None
    kind: str  # house, flat, shop, landlord


_Layout = Callable[[random.Random, list[str]], list[_Draft]]


def _numbers(rng: random.Random, count: int, start: int = 1) -> list[int]:
    step = rng.choice((1, 2))
    return [start + step * i for i in range(count)]


def _terrace(rng: random.Random, streets: list[str]) -> list[_Draft]:
    street = streets[0]
    drafts = []
    for n in _numbers(rng, rng.randint(6, 12)):
        name = rng.choice(words.HOUSE_NAMES) if rng.random() < 0.1 else None
        drafts.append(_Draft(None, name, str(n), street, "house"))
        if rng.random() < 0.15:
            drafts.append(_Draft(None, None, f"{n}A", street, "house"))
    return drafts


def _two_streets(rng: random.Random, streets: list[str]) -> list[_Draft]:
    count = rng.randint(4, 7)
    return [
        _Draft(None, None, str(n), street, "house")
        for street in streets[:2]
        for n in _numbers(rng, count)
    ]


def _block(rng: random.Random, streets: list[str]) -> list[_Draft]:
    street = streets[0]
    name = f"{rng.choice(words.BLOCK_NAMES)} {rng.choice(words.BLOCK_TYPES)}"
    number = str(rng.randint(1, 40)) if rng.random() < 0.8 else None
    drafts = [
        _Draft(f"Flat {n}", name, number, street, "flat") for n in range(1, rng.randint(12, 18))
    ]
    drafts.append(_Draft(None, name, number, street, "landlord"))
    if number is not None:
        others = [n for n in _numbers(rng, rng.randint(0, 4), 41) if str(n) != number]
        drafts += [_Draft(None, None, str(n), street, "house") for n in others]
    return drafts


def _named(rng: random.Random, streets: list[str]) -> list[_Draft]:
    names = rng.sample(words.HOUSE_NAMES, rng.randint(4, 8))
    return [_Draft(None, name, None, streets[0], "house") for name in names]


def _conversions(rng: random.Random, streets: list[str]) -> list[_Draft]:
    street = streets[0]
    drafts = []
    for n in _numbers(rng, rng.randint(3, 6), rng.randint(1, 30)):
        split = rng.random()
        if split < 0.35:
            floors = ["Ground Floor Flat", "First Floor Flat"]
            floors += ["Second Floor Flat"] if rng.random() < 0.4 else []
            floors += ["Basement Flat"] if rng.random() < 0.2 else []
            drafts += [_Draft(f, None, str(n), street, "flat") for f in floors]
        elif split < 0.6:
            letters = "ABCD"[: rng.randint(2, 4)]
            drafts += [_Draft(f"Flat {x}", None, str(n), street, "flat") for x in letters]
        else:
            drafts.append(_Draft(None, None, str(n), street, "house"))
    return drafts


def _shops(rng: random.Random, streets: list[str]) -> list[_Draft]:
    street = streets[0]
    drafts = []
    for n in _numbers(rng, rng.randint(3, 6), rng.randint(1, 60)):
        drafts.append(_Draft(None, None, str(n), street, "shop"))
        drafts.append(_Draft(None, None, f"{n}A", street, "flat"))
    return drafts


_LAYOUTS: tuple[tuple[_Layout, int], ...] = (
    (_terrace, 30),
    (_two_streets, 15),
    (_block, 20),
    (_named, 10),
    (_conversions, 15),
    (_shops, 10),
)


class _Identities:
    """Unique UPRNs, MPAN cores and MPRNs, drawn from one random source."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._seen: set[str] = set()

    def _unique(self, make: Callable[[], str]) -> str:
        while (value := make()) in self._seen:
            pass
        self._seen.add(value)
        return value

    def _digits(self, count: int) -> str:
        return "".join(self._rng.choice("0123456789") for _ in range(count))

    def uprn(self) -> str:
        return self._unique(lambda: str(self._rng.randint(10_000_000, 999_999_999_999)))

    def mpan(self, distributor_id: str) -> str:
        def make() -> str:
            body = distributor_id + self._digits(10)
            return body + str(mpan_core_check_digit(body))

        return self._unique(make)

    def mprn(self) -> str:
        def make() -> str:
            body = str(self._rng.randint(1, 9)) + self._digits(7)
            return body + mprn_check_digits(body)

        return self._unique(make)


class _Generator:
    def __init__(self, spec: MarketSpec) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)
        self.ids = _Identities(self.rng)
        self.postcodes: set[str] = set()

    def premises(self) -> Iterator[Premises]:
        made = 0
        while made < self.spec.premises:
            for item in self._postcode():
                if made == self.spec.premises:
                    return
                made += 1
                yield item

    def _postcode(self) -> list[Premises]:
        rng = self.rng
        area = AREAS[rng.choice(sorted(AREAS))]
        postcode = self._new_postcode(area)
        streets = [
            f"{name} {rng.choice(words.STREET_TYPES)}" for name in rng.sample(words.STREET_NAMES, 4)
        ]
        layouts, weights = zip(*_LAYOUTS, strict=True)
        drafts: list[_Draft] = []
        for index, layout in enumerate(rng.choices(layouts, weights, k=rng.choice((1, 1, 2)))):
            # Each scene has streets of its own, so no street has two houses numbered alike.
            drafts += layout(rng, streets[2 * index : 2 * index + 2])
        locality = rng.choice(words.LOCALITIES) if rng.random() < _LOCALITY_SHARE else None
        distributor = rng.choice(IDNO_IDS) if rng.random() < _IDNO_SHARE else area.distributor_id
        return [self._premises(d, postcode, area, locality, distributor) for d in drafts]

    def _new_postcode(self, area: Area) -> str:
        rng = self.rng
        while True:
            inward = (
                f"{rng.randint(0, 9)}{rng.choice(_INWARD_LETTERS)}{rng.choice(_INWARD_LETTERS)}"
            )
            postcode = f"{area.code}{rng.randint(1, 20)} {inward}"
            if postcode not in self.postcodes:
                self.postcodes.add(postcode)
                return postcode

    def _premises(
        self, draft: _Draft, postcode: str, area: Area, locality: str | None, distributor: str
    ) -> Premises:
        address = Address(
            draft.sub_building,
            draft.building_name,
            draft.building_number,
            draft.street,
            locality,
            area.post_town,
            area.county,
        )
        uprn = self.ids.uprn()
        sector = "N" if draft.kind in ("shop", "landlord") else "D"
        supplier = self._supplier()
        electricity = self._electricity(
            address, postcode, uprn, distributor, area, sector, supplier
        )
        gas: tuple[GasPoint, ...] = ()
        if self.rng.random() < _GAS_SHARE[draft.kind]:
            gas = (self._gas(address, postcode, uprn, sector, supplier),)
        return Premises(uprn, postcode, address, electricity, gas)

    def _supplier(self) -> str:
        if self.rng.random() < _OURS_SHARE:
            return self.spec.our_supplier_id
        return self.rng.choice(words.SUPPLIERS)

    def _electricity(
        self,
        address: Address,
        postcode: str,
        uprn: str,
        distributor: str,
        area: Area,
        sector: str,
        supplier: str,
    ) -> tuple[ElectricityPoint, ...]:
        rng = self.rng
        related = sector == "D" and rng.random() < _RELATED_SHARE
        cores = [self.ids.mpan(distributor) for _ in range(2 if related else 1)]
        deactivated = rng.random() < _DEACTIVATED_SHARE
        written = electricity_address(rng, address, postcode, uprn)
        points = []
        for index, core in enumerate(cores):
            points.append(
                ElectricityPoint(
                    mpan=core,
                    profile_class=self._profile_class(sector, related),
                    meter_timeswitch_code=f"{rng.randint(1, 999):03d}",
                    line_loss_factor_class=f"{rng.randint(1, 999):03d}",
                    gsp_group=area.gsp_group,
                    energised=not deactivated and rng.random() >= _DE_ENERGISED_SHARE,
                    deactivated=deactivated,
                    market_sector=sector,
                    supplier_id=supplier,
                    related_mpans=tuple(c for c in cores if c != core),
                    switch_pending=rng.random() < _PENDING_SHARE,
                    address=written if index == 0 else dict(written),
                )
            )
        return tuple(points)

    def _profile_class(self, sector: str, related: bool) -> str:
        if sector == "D":
            return "02" if related or self.rng.random() < 0.25 else "01"
        return self.rng.choices(
            ("00", "03", "04", "05", "06", "07", "08"), (5, 60, 25, 4, 3, 2, 1)
        )[0]

    def _gas(
        self, address: Address, postcode: str, uprn: str, sector: str, supplier: str
    ) -> GasPoint:
        rng = self.rng
        status = rng.choices(("LIVE", "ISOLATED", "DEAD"), (96, 3, 1))[0]
        return GasPoint(
            mprn=self.ids.mprn(),
            supplier_id=supplier if rng.random() < 0.7 else self._supplier(),
            shipper_id=rng.choice(words.SHIPPERS),
            status=status,
            market_sector=sector,
            switch_pending=rng.random() < _PENDING_SHARE,
            address=gas_address(rng, address, postcode, uprn),
        )


def generate(spec: MarketSpec) -> Iterator[Premises]:
    """`spec.premises` premises, the same ones for the same seed."""
    return _Generator(spec).premises()
