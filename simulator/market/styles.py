"""How each fuel's enquiry service writes a premises' address.

The two services were filled from different sources over decades, so they disagree in
layout and habit, and the generator makes them disagree the same ways:

- **electricity** (ECOES-like): upper case, free `addressLines` for the premises (flat,
  building, number and street) plus `postTown`; street types abbreviated half the time
  (RD, ST, AVE), SAINT written ST, a flat on its own line or joined to the building
  name, suffixes as "12A" or "12 A"; no locality; a UPRN on most records;
- **gas** (DES-like): title case PAF-style fields (`subBuildingName`, `buildingName`,
  `buildingNumber`, `thoroughfare`, `dependentLocality`, `postTown`, `county`); flats as
  "Flat 1", "Apartment 1" or a bare "1"; a suffixed number sometimes in `buildingName`;
  fewer UPRNs.

Either may carry a typo in one word of a building or street name (never in a number:
a wrong number is a different address, not a typo).
"""

from __future__ import annotations

import random
from typing import Any

from simulator.market.records import Address

ELECTRICITY_UPRN_SHARE = 0.9
GAS_UPRN_SHARE = 0.75
TYPO_SHARE = 0.03

_SHORT = {
    "ROAD": "RD",
    "STREET": "ST",
    "AVENUE": "AVE",
    "CLOSE": "CL",
    "CRESCENT": "CRES",
    "DRIVE": "DR",
    "GARDENS": "GDNS",
    "GROVE": "GRO",
    "PLACE": "PL",
    "TERRACE": "TER",
    "HOUSE": "HSE",
    "COURT": "CT",
    "COTTAGE": "COTT",
}
_FLOOR_WORDS = ("GROUND", "FIRST", "SECOND", "BASEMENT", "TOP")


def typo(rng: random.Random, word: str) -> str:
    """One slip of the keyboard: two letters swapped, one dropped or one doubled."""
    if len(word) < 5 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def _typo_in(rng: random.Random, text: str) -> str:
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    words[i] = typo(rng, words[i])
    return " ".join(words)


def _typo_in_one(
    rng: random.Random, name: str | None, street: str | None
) -> tuple[str | None, str | None]:
    """Now and then, a typo in the building name or the street (never in a flat or number)."""
    if rng.random() >= TYPO_SHARE:
        return name, street
    if street and (name is None or rng.random() < 0.5):
        return name, _typo_in(rng, street)
    return (_typo_in(rng, name) if name else None), street


def _shorten(rng: random.Random, text: str, share: float) -> str:
    words = text.upper().replace("SAINT ", "ST ").split(" ")
    if words and words[-1] in _SHORT and rng.random() < share:
        words[-1] = _SHORT[words[-1]]
    return " ".join(words)


def _is_floor(sub: str) -> bool:
    return sub.upper().split(" ")[0] in _FLOOR_WORDS


def _floor_forms(level: str) -> tuple[str, str, str]:
    floor = "" if level.upper() == "BASEMENT" else " Floor"
    return f"{level}{floor} Flat", f"{level}{floor}", f"Flat {level}{floor}"


def _electricity_sub(rng: random.Random, sub: str) -> str:
    if _is_floor(sub):
        return rng.choice(_floor_forms(sub.split(" ")[0])).upper()
    return sub.upper()


def electricity_address(
    rng: random.Random, address: Address, postcode: str, uprn: str | None
) -> dict[str, Any]:
    """The address as the electricity service writes it."""
    name, street = _typo_in_one(rng, address.building_name, address.street)
    name = _shorten(rng, name, 0.2) if name else None
    street = _shorten(rng, street, 0.5) if street else None
    lines: list[str] = []
    if address.sub_building:
        sub = _electricity_sub(rng, address.sub_building)
        if name and rng.random() < 0.2:
            sub, name = f"{sub} {name}", None
        lines.append(sub)
    if name:
        lines.append(name)
    number = address.building_number
    if number and number[-1].isalpha() and rng.random() < 0.3:
        number = f"{number[:-1]} {number[-1]}"
    last = " ".join(p for p in (number, street) if p)
    if last:
        lines.append(last)
    return {
        "addressLines": lines,
        "postTown": address.post_town.upper(),
        "postcode": postcode,
        "uprn": uprn if rng.random() < ELECTRICITY_UPRN_SHARE else None,
    }


def _gas_sub(rng: random.Random, sub: str, has_number: bool) -> str:
    if _is_floor(sub):
        return rng.choice(_floor_forms(sub.split(" ")[0].title()))
    word, _, flat = sub.partition(" ")
    if word.upper() != "FLAT":
        return sub.title()
    forms = [f"Flat {flat}", f"Apartment {flat}"]
    if has_number and flat.isdigit():
        forms.append(flat)  # a bare flat number only reads right beside a building number
    return rng.choice(forms)


def gas_address(
    rng: random.Random, address: Address, postcode: str, uprn: str | None
) -> dict[str, Any]:
    """The address as the gas service writes it."""
    number = address.building_number
    name = address.building_name
    if number and number[-1].isalpha():
        number = number[:-1] + rng.choice((number[-1], number[-1].lower()))
        if name is None and rng.random() < 0.2:
            name, number = number, None
    street = address.street
    if street and rng.random() < 0.3:
        street = street.replace("Saint ", "St. ")
    name, street = _typo_in_one(rng, name, street)
    sub = address.sub_building
    return {
        "subBuildingName": _gas_sub(rng, sub, number is not None) if sub else None,
        "buildingName": name,
        "buildingNumber": number,
        "dependentThoroughfare": None,
        "thoroughfare": street,
        "dependentLocality": address.locality,
        "postTown": address.post_town,
        "county": address.county,
        "postcode": postcode,
        "uprn": uprn if rng.random() < GAS_UPRN_SHARE else None,
    }
