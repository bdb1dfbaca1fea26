"""How well a typed address's words fit one candidate: the scoring half of matching.

Words are compared one by one with `rapidfuzz`'s normalised edit similarity, so a slip
in a longer word ("GADRENS") still mostly counts while a different word ("CHURCH" for
"HIGH") counts for nothing: similarities below `_WORD_FLOOR` are taken as zero, and a
word of four letters or fewer counts only when exact (MILL is not HILL). A candidate's
score is

    0.75 x (how much of the typed text it explains) + 0.25 x (how much of it was typed)

so a customer who leaves out the building name ("Flat 1, 5 Park Road" for "Flat 1,
Wellington House, 5 Park Road") still scores high, while the candidate that explains the
words the customer did type wins over one that merely contains them.

Typed words after the last street type ("Road", "Lane") are the place (locality, post
town, county) and do not count. Of the rest, the *block* (every candidate of the
postcode) decides which count: a word more like a candidate's locality, post town or
county than like any building or street of the block is the place too; a word like
nothing in the block (a stray word) is ignored, unless no typed word resembles the block
at all, in which case all are kept so that the mismatch shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from domain.address import STREET_TYPES, ParsedAddress

_WORD_FLOOR = 75.0
_SHORT_WORD = 4
_STRAY_LIKENESS = 70.0
_PLACE_LIKENESS = 85.0
_NAME_LIKENESS = 80.0
_TYPE_LIKENESS = 80.0
_TYPED_WEIGHT = 0.75
_STOP_WORDS = frozenset({"THE", "AND", "OF"})


def _closest(word: str, others: Iterable[str]) -> tuple[float, str]:
    """The likeness of `word` to its closest word in `others`, and that word."""
    best, closest = 0.0, ""
    for other in others:
        if other == word:
            return 100.0, other
        likeness = fuzz.ratio(word, other)
        if likeness > best:
            best, closest = likeness, other
    return best, closest


def _likeness(word: str, others: Iterable[str]) -> float:
    return _closest(word, others)[0]


def _credit(word: str, others: Sequence[str]) -> float:
    """How much `word` counts as present in `others`: its likeness to the closest one,
    or nothing when that is more likely another word than a slip. Two short words one
    letter apart are different words (MILL, HILL); a longer one is a slip (GADRENS)."""
    likeness, closest = _closest(word, others)
    if likeness == 100.0:
        return likeness
    if max(len(word), len(closest)) <= _SHORT_WORD or likeness < _WORD_FLOOR:
        return 0.0
    return likeness


def _fit(words: Sequence[str], others: Sequence[str]) -> float:
    """Mean, over `words`, of each word's credit against `others`."""
    if not words:
        return 0.0
    return sum(_credit(word, others) for word in words) / len(words)


@dataclass(frozen=True)
class Block:
    """The typed words that can tell one premises of a postcode from another."""

    typed: tuple[str, ...]
    set_aside: tuple[str, ...]

    @classmethod
    def of(cls, typed: ParsedAddress, found: Sequence[ParsedAddress]) -> Block:
        premises = {w for parsed in found for w in parsed.words}
        place = {w for parsed in found for w in parsed.place} - premises
        words, trailing = _split_trailing_place(typed.words)
        kept: list[str] = []
        strays: list[str] = []
        aside = list(trailing)
        for word in words:
            here = _likeness(word, premises)
            there = _likeness(word, place)
            if there >= _PLACE_LIKENESS and there > here:
                aside.append(word)
            elif here < _STRAY_LIKENESS:
                strays.append(word)
            else:
                kept.append(word)
        if not kept:
            kept, strays = strays, []
        return cls(tuple(kept), tuple(aside + strays))


def _is_street_type(word: str) -> bool:
    """A street type, or a word one slip away from one ("AVVENUE", "DIVE" for DRIVE)."""
    if word in STREET_TYPES:
        return True
    likeness, closest = _closest(word, STREET_TYPES)
    return likeness >= _TYPE_LIKENESS and max(len(word), len(closest)) > _SHORT_WORD


def _split_trailing_place(words: Sequence[str]) -> tuple[Sequence[str], Sequence[str]]:
    """Words after the last street type ("... PARK ROAD, LEEDS, WEST YORKSHIRE") are the
    locality, town and county, whatever buildings of the block they resemble."""
    # A street type first of all is a name's word ("HILL FARM"), not the end of a street.
    ends = [i for i, w in enumerate(words) if i > 0 and _is_street_type(w)]
    if not ends:
        return words, ()
    return words[: ends[-1] + 1], words[ends[-1] + 1 :]


def score_candidate(block: Block, found: ParsedAddress) -> float:
    """0-100: how well the typed words and the candidate's words fit each other."""
    explained = _fit(block.typed, found.words)
    mentioned = _fit(found.words, block.typed)
    return _TYPED_WEIGHT * explained + (1 - _TYPED_WEIGHT) * mentioned


def name_agrees(block: Block, found: ParsedAddress) -> bool:
    """The candidate has a building name, and it is what the customer typed beside the
    street: every word of the name typed, and no other typed word left unexplained (so
    "Oak Lodge, Oak Gardens" does not confirm "The Lodge, Oak Gardens")."""
    name = [w for w in found.name if w not in _STOP_WORDS]
    if not name:
        return False
    rest = [w for w in block.typed if w not in _STOP_WORDS]
    for word in found.street:
        likeness, closest = _closest(word, rest)
        if likeness >= _NAME_LIKENESS:
            rest.remove(closest)
    return all(_likeness(w, rest) >= _NAME_LIKENESS for w in name) and all(
        _likeness(w, name) >= _NAME_LIKENESS for w in rest
    )
