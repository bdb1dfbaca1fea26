"""Signup addresses typed the ways customers type them, each labelled with its premises and
whether the text alone can decide it.

Each *way of typing* keeps some of the premises' identifying facts (flat, number, building
name, street) and writes them in its own manner (case, commas, abbreviations, flat forms,
typos, a county added). The label comes from the facts kept, not from the matcher: the
text decides the premises when no other premises of the postcode agrees with every fact
it states (a fact left out agrees with anything, since "no flat given" may be a flat
forgotten). A missing flat number in a block of flats, or a street with no number, is
therefore undecidable, and an automatic match on it is a guess.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from simulator.market import Address, Premises
from simulator.market.styles import typo

_SHORT = {
    "Road": "Rd",
    "Street": "St",
    "Avenue": "Ave",
    "Close": "Cl",
    "Crescent": "Cres",
    "Drive": "Dr",
    "Gardens": "Gdns",
    "Place": "Pl",
    "Terrace": "Terr",
    "Lane": "Ln",
    "House": "Hse",
    "Court": "Ct",
    "Saint": "St",
}


@dataclass(frozen=True)
class Kept:
    """Which identifying facts the typed text still states."""

    flat: bool = True
    number: bool = True
    name: bool = True
    street: bool = True


@dataclass(frozen=True)
class TypedAddress:
    text: str
    postcode: str
    uprn: str  # the premises it is meant to be
    way: str  # how it was typed
    decidable: bool


def _fits(mine: Address, other: Address, kept: Kept) -> bool:
    """Whether `other` agrees with every fact of `mine` that the text kept."""
    checks = (
        (kept.flat and mine.sub_building is not None, mine.sub_building, other.sub_building),
        (
            kept.number and mine.building_number is not None,
            mine.building_number,
            other.building_number,
        ),
        (kept.name and mine.building_name is not None, mine.building_name, other.building_name),
        (kept.street, mine.street, other.street),
    )
    return all(a == b for stated, a, b in checks if stated)


def decidable(item: Premises, neighbours: Sequence[Premises], kept: Kept) -> bool:
    return not any(
        _fits(item.address, other.address, kept) for other in neighbours if other is not item
    )


def _parts(address: Address, kept: Kept, flat_word: str = "Flat") -> list[str]:
    parts = []
    if kept.flat and address.sub_building:
        word, _, rest = address.sub_building.partition(" ")
        parts.append(f"{flat_word} {rest}" if word == "Flat" else address.sub_building)
    if kept.name and address.building_name:
        parts.append(address.building_name)
    line = " ".join(
        p
        for p in (
            address.building_number if kept.number else None,
            address.street if kept.street else None,
        )
        if p
    )
    if line:
        parts.append(line)
    return parts


def _abbreviated(text: str) -> str:
    return " ".join(_SHORT.get(word, word) for word in text.split(" "))


Way = Callable[[random.Random, Address], tuple[list[str], Kept]]


def _full(rng: random.Random, a: Address) -> tuple[list[str], Kept]:
    return [*_parts(a, Kept()), a.post_town], Kept()


def _lower_no_commas(rng: random.Random, a: Address) -> tuple[list[str], Kept]:
    return [" ".join(_parts(a, Kept())).lower() + " " + a.post_town.lower()], Kept()


def _abbreviations(rng: random.Random, a: Address) -> tuple[list[str], Kept]:
    return [_abbreviated(p) for p in _parts(a, Kept())], Kept()


def _flat_forms(rng: random.Random, a: Address) -> tuple[list[str], Kept]:
    word = rng.choice(("Apt", "Apartment", "flat", "APT"))
    return [*_parts(a, Kept(), word), a.post_town], Kept()


def _typo(rng: random.Random, a: Address) -> tuple[list[str], Kept]:
    parts = _parts(a, Kept())
    named = f"{a.building_name or ''} {a.street or ''}"
    words = [w for w in named.split(" ") if len(w) >= 5 and w.isalpha()]
    if words:
        slip = rng.choice(words)
        parts = [p.replace(slip, typo(rng, slip), 1) for p in parts]
    return parts, Kept()


def _suffix_spaced(rng: random.Random, a: Address) -> tuple[list[str], Kept]:
    number = a.building_number
    if number and number[-1].isalpha():
        a = replace(a, building_number=f"{number[:-1]} {number[-1].lower()}")
    return [", ".join(_parts(a, Kept())).lower()], Kept()


def _with_county(rng: random.Random, a: Address) -> tuple[list[str], Kept]:
    locality = [a.locality] if a.locality else []
    return [*_parts(a, Kept()), *locality, a.post_town, a.county], Kept()


def _no_building_name(rng: random.Random, a: Address) -> tuple[list[str], Kept]:
    kept = Kept(name=a.building_number is None)
    return _parts(a, kept), kept


def _name_without_number(rng: random.Random, a: Address) -> tuple[list[str], Kept]:
    kept = Kept(number=a.building_name is None)
    return [*_parts(a, kept), a.post_town], kept


def _name_only(rng: random.Random, a: Address) -> tuple[list[str], Kept]:
    if a.building_name is None:
        return _full(rng, a)
    kept = Kept(number=False, street=False)
    return [*_parts(a, kept), a.post_town], kept


def _no_flat(rng: random.Random, a: Address) -> tuple[list[str], Kept]:
    kept = Kept(flat=False)
    return [*_parts(a, kept), a.post_town], kept


def _street_only(rng: random.Random, a: Address) -> tuple[list[str], Kept]:
    kept = Kept(flat=False, number=False, name=False)
    return [*_parts(a, kept), a.post_town], kept


#: Ways of typing and how often customers use them (the last two rarely leave enough).
WAYS: dict[str, tuple[Way, int]] = {
    "full": (_full, 20),
    "lower case, no commas": (_lower_no_commas, 15),
    "abbreviations": (_abbreviations, 15),
    "flat forms": (_flat_forms, 8),
    "typo": (_typo, 10),
    "suffix spaced": (_suffix_spaced, 4),
    "county added": (_with_county, 6),
    "no building name": (_no_building_name, 6),
    "name, no number": (_name_without_number, 4),
    "house name only": (_name_only, 2),
    "flat left out": (_no_flat, 6),
    "street only": (_street_only, 4),
}


def typed_addresses(
    rng: random.Random, premises: Sequence[Premises], count: int
) -> list[TypedAddress]:
    """`count` typed addresses of premises drawn at random, each labelled."""
    by_postcode: dict[str, list[Premises]] = {}
    for item in premises:
        by_postcode.setdefault(item.postcode, []).append(item)
    names = list(WAYS)
    weights = [WAYS[name][1] for name in names]
    typed = []
    for item in rng.sample(list(premises), min(count, len(premises))):
        way = rng.choices(names, weights)[0]
        parts, kept = WAYS[way][0](rng, item.address)
        label = decidable(item, by_postcode[item.postcode], kept)
        typed.append(TypedAddress(", ".join(parts), item.postcode, item.uprn, way, label))
    return typed
