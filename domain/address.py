"""Addresses as customers type them and as the industry services hold them, reduced to
what identifies a premises.

Two kinds of input meet here:

- an address **typed** by a customer at signup: one free string, any case, commas or
  not, abbreviations, "Apt 3" or "Flat 3" or "3 Wellington House";
- an address held by an **enquiry service** (`ServiceAddress`): either fields in the
  PAF style (sub-building, building name, number, street, locality, post town) or free
  lines, depending on the service.

Both are parsed into a `ParsedAddress`: the **flat** (sub-building: "1", "11", "A",
"FLOOR 1"), the **number** (building number with its suffix: "12", "12A", "12-14"), and
the remaining **words** (building name and street, abbreviations expanded, case and
punctuation gone). A service address also keeps its `name`, `street` and `place` words
apart, since its layout says which is which; a typed address cannot, and matching works
out which of its words are the place by comparing them with the candidates.

Normalisation rules, all here so both sides get exactly the same treatment:
- upper case; apostrophes dropped ("St John's" = "ST JOHNS"); "&" is "AND"; other
  punctuation separates words, except a hyphen between digits ("12-14", a range);
- common abbreviations expanded (RD, ST, AVE, CL, CRES, GDNS, HSE, ...); "ST" is SAINT
  at the start of a phrase or after a number, STREET after a word;
- flat forms: FLAT / FLT / APARTMENT / APT / UNIT / MAISONETTE followed by an id; floor
  forms ("GROUND FLOOR FLAT", "Flat 1st floor", "Basement") become "FLOOR G", "FLOOR 1",
  "FLOOR B";
- numbers with suffixes: "12A", "12a" and "12 A" are all "12A";
- two bare numbers and no flat word ("1 Wellington House, 5 Park Road", "1/5 Park Rd"):
  the first is the flat, the second the building number (the UK convention); each such
  assumption is recorded in `notes`, the evidence a reviewer sees.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

ABBREVIATIONS: dict[str, str] = {
    "RD": "ROAD",
    "AVE": "AVENUE",
    "AV": "AVENUE",
    "LN": "LANE",
    "CL": "CLOSE",
    "CRES": "CRESCENT",
    "CRESC": "CRESCENT",
    "DR": "DRIVE",
    "DRV": "DRIVE",
    "GDNS": "GARDENS",
    "GRN": "GREEN",
    "GRO": "GROVE",
    "GR": "GROVE",
    "PL": "PLACE",
    "SQ": "SQUARE",
    "TER": "TERRACE",
    "TERR": "TERRACE",
    "WY": "WAY",
    "WLK": "WALK",
    "PDE": "PARADE",
    "HL": "HILL",
    "MT": "MOUNT",
    "PK": "PARK",
    "CT": "COURT",
    "CRT": "COURT",
    "HSE": "HOUSE",
    "HO": "HOUSE",
    "BLDGS": "BUILDINGS",
    "BLDG": "BUILDING",
    "MANS": "MANSIONS",
    "COTT": "COTTAGE",
    "COTTS": "COTTAGES",
    "FM": "FARM",
    "NTH": "NORTH",
    "STH": "SOUTH",
    "UPR": "UPPER",
    "LWR": "LOWER",
    "GT": "GREAT",
    "LT": "LITTLE",
    "STN": "STATION",
    "CH": "CHURCH",
}
#: Words that end a street's name (COURT is left out: more often a block of flats).
STREET_TYPES = frozenset(
    {
        "ROAD",
        "STREET",
        "LANE",
        "AVENUE",
        "CLOSE",
        "CRESCENT",
        "DRIVE",
        "GARDENS",
        "GROVE",
        "PLACE",
        "TERRACE",
        "WAY",
        "WALK",
        "MEWS",
        "RISE",
        "VIEW",
        "HILL",
        "ROW",
        "SQUARE",
        "PARADE",
        "GREEN",
        "PARK",
        "BOULEVARD",
        "ESPLANADE",
        "WHARF",
        "GATE",
        "YARD",
    }
)
#: Words that introduce a flat (sub-building) id.
FLAT_WORDS = frozenset({"FLAT", "FLT", "APARTMENT", "APT", "APPT", "UNIT", "MAISONETTE"})
_FLOORS = {
    "BASEMENT": "B",
    "LOWER": "LG",  # "LOWER FLOOR"; "LOWER GROUND FLOOR" is read in _floor_at
    "GROUND": "G",
    "FIRST": "1",
    "1ST": "1",
    "SECOND": "2",
    "2ND": "2",
    "THIRD": "3",
    "3RD": "3",
    "FOURTH": "4",
    "4TH": "4",
    "TOP": "TOP",
}
_NUMBER = re.compile(r"^\d+[A-Z]?$|^\d+-\d+$")
_FLAT_ID = re.compile(r"^(\d+[A-Z]?|[A-Z]\d*|\d+-\d+)$")
_SUFFIX = re.compile(r"^[A-Z]$")
_SPLIT = re.compile(r"[^A-Z0-9\-]+")
_STRAY_HYPHEN = re.compile(r"(?<![0-9])-|-(?![0-9])")


@dataclass(frozen=True)
class ServiceAddress:
    """An address as an enquiry service holds it, in our field names.

    A service with PAF-style fields fills the named fields; a service with free lines
    fills `lines` (premises lines only: sub-building, building, street) and the place
    fields it has. `uprn` is the Unique Property Reference Number when the record has one.
    """

    postcode: str
    sub_building: str | None = None
    building_name: str | None = None
    building_number: str | None = None
    dependent_street: str | None = None
    street: str | None = None
    lines: tuple[str, ...] = ()
    dependent_locality: str | None = None
    post_town: str | None = None
    county: str | None = None
    uprn: str | None = None

    def premises_phrases(self) -> list[str]:
        """Sub-building, building and street phrases, in the order they are written."""
        streets = [part for part in (self.dependent_street, self.street) if part] or [""]
        # The number goes with the first street named, as the address is written.
        streets[0] = " ".join(p for p in (self.building_number, streets[0]) if p)
        named = [self.sub_building, self.building_name, *streets]
        return [*self.lines, *(part for part in named if part)]

    def place_phrases(self) -> list[str]:
        return [p for p in (self.dependent_locality, self.post_town, self.county) if p]

    def one_line(self) -> str:
        """The whole address on one line, as a person reads it."""
        return ", ".join([*self.premises_phrases(), *self.place_phrases(), self.postcode])


@dataclass(frozen=True)
class ParsedAddress:
    """The identifying parts of an address, normalised."""

    flat: str | None
    number: str | None
    words: tuple[str, ...]
    #: Of `words`, those a service layout marks as the building name and as the street;
    #: empty for typed text, where nothing says which is which.
    name: tuple[str, ...] = ()
    street: tuple[str, ...] = ()
    #: Locality, post town and county words (service addresses only).
    place: tuple[str, ...] = ()
    #: Assumptions made while parsing, in words a reviewer reads.
    notes: tuple[str, ...] = field(default=(), compare=False)

    def describe(self) -> str:
        parts = []
        if self.flat:
            parts.append(f"FLAT {self.flat}" if not self.flat.startswith("FLOOR") else self.flat)
        if self.number:
            parts.append(self.number)
        parts.extend(self.words)
        return " ".join(parts)


def normalise_words(text: str) -> list[list[str]]:
    """`text` as phrases (split at commas and line breaks) of normalised tokens."""
    phrases = []
    for raw in re.split(r"[,\n;]+", text.upper()):
        cleaned = raw.replace("'", "").replace("\u2019", "").replace("&", " AND ")
        cleaned = _STRAY_HYPHEN.sub(" ", cleaned)
        tokens = [t for t in _SPLIT.split(cleaned) if t]
        if tokens:
            phrases.append(_expand(_join_suffixes(tokens)))
    return phrases


def _join_suffixes(tokens: list[str]) -> list[str]:
    """ "12 A" -> "12A": a lone letter right after a bare number is that number's suffix."""
    joined: list[str] = []
    for token in tokens:
        if _SUFFIX.match(token) and joined and joined[-1].isdigit():
            joined[-1] += token
        else:
            joined.append(token)
    return joined


def _expand(tokens: list[str]) -> list[str]:
    expanded = []
    for index, token in enumerate(tokens):
        if token == "ST":
            previous = tokens[index - 1] if index else ""
            saint = not previous or _NUMBER.match(previous) or previous in FLAT_WORDS
            expanded.append("SAINT" if saint else "STREET")
        else:
            expanded.append(ABBREVIATIONS.get(token, token))
    return expanded


def parse_typed(text: str) -> ParsedAddress:
    """A customer's free text: flat, number and the remaining words."""
    return _parse(normalise_words(text))


def parse_service_address(address: ServiceAddress) -> ParsedAddress:
    """A service record: as typed text, plus its layout's name, street and place words."""
    parsed = _parse(_phrases(address.premises_phrases()))
    if address.street or address.dependent_street:
        name_part = [address.sub_building, address.building_name]
        street_part = [address.dependent_street, address.street]
    else:
        # Free lines: the last holds the street, those before it the flat and building.
        name_part, street_part = list(address.lines[:-1]), list(address.lines[-1:])
    name = _parse(_phrases(name_part)).words
    street = _parse(_phrases(street_part)).words
    place = tuple(t for phrase in _phrases(address.place_phrases()) for t in phrase)
    return ParsedAddress(
        parsed.flat, parsed.number, parsed.words, name, street, place, parsed.notes
    )


def _phrases(parts: Iterable[str | None]) -> list[list[str]]:
    return [phrase for part in parts if part for phrase in normalise_words(part)]


def _parse(phrases: Sequence[Sequence[str]]) -> ParsedAddress:
    tokens = [t for phrase in phrases for t in phrase]
    notes: list[str] = []
    flat, used = _find_flat(tokens)
    numbers = [i for i, t in enumerate(tokens) if i not in used and _NUMBER.match(t)]
    number = None
    if numbers:
        if flat is None and len(numbers) >= 2:
            flat = tokens[numbers[0]]
            used.add(numbers.pop(0))
            notes.append(f"flat {flat} taken from the first of two numbers")
        number = tokens[numbers[0]]
        used.update(numbers)
        if len(numbers) > 1:
            others = ", ".join(tokens[i] for i in numbers[1:])
            notes.append(f"building number {number} chosen; other numbers ignored: {others}")
    words = tuple(t for i, t in enumerate(tokens) if i not in used)
    return ParsedAddress(flat, number, words, notes=tuple(notes))


def _find_flat(tokens: Sequence[str]) -> tuple[str | None, set[int]]:
    """The flat id and the positions of the tokens that spelled it."""
    for index, token in enumerate(tokens):
        floor = _floor_at(tokens, index)
        if floor is not None:
            level, span = floor
            start = index - 1 if index and tokens[index - 1] in FLAT_WORDS else index
            end = index + span
            if end < len(tokens) and tokens[end] in FLAT_WORDS:
                end += 1
            return f"FLOOR {level}", set(range(start, end))
        if token in FLAT_WORDS and index + 1 < len(tokens):
            following = tokens[index + 1]
            if _FLAT_ID.match(following) and _floor_at(tokens, index + 1) is None:
                return following, {index, index + 1}
    return None, set()


def _floor_at(tokens: Sequence[str], index: int) -> tuple[str, int] | None:
    """A floor written at `index` ("GROUND FLOOR", "1ST FLOOR", "BASEMENT"): level, length."""
    token = tokens[index]
    following = tokens[index + 1] if index + 1 < len(tokens) else ""
    if token == "BASEMENT":
        return "B", 2 if following == "FLOOR" else 1
    if token == "LOWER" and following == "GROUND":
        after = tokens[index + 2] if index + 2 < len(tokens) else ""
        return ("LG", 3) if after == "FLOOR" else None
    if token in _FLOORS and following == "FLOOR":
        return _FLOORS[token], 2
    return None
