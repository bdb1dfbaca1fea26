"""How well a typed address's words fit one candidate: the scoring half of matching.

Words are compared one by one with `rapidfuzz`'s normalised edit similarity, so a typo
("HIHG") still mostly counts while a different word ("CHURCH" for "HIGH") counts for
nothing: similarities below `_WORD_FLOOR` are taken as zero. A candidate's score is

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

_WORD_FLOOR = 60.0
_PLACE_LIKENESS = 85.0
_NAME_LIKENESS = 85.0
_TYPED_WEIGHT = 0.75
_STOP_WORDS = frozenset({"THE", "AND", "OF"})


def _likeness(word: str, others: Iterable[str]) -> float:
    best = 0.0
    for other in others:
        if other == word:
            return 100.0
        best = max(best, fuzz.ratio(word, other))
    return best


def _fit(words: Sequence[str], others: Sequence[str]) -> float:
    """Mean, over `words`, of each word's likeness to its closest word in `others`."""
    if not words:
        return 0.0
    total = 0.0
    for word in words:
        likeness = _likeness(word, others)
        total += likeness if likeness >= _WORD_FLOOR else 0.0
    return total / len(words)


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
            elif here < _WORD_FLOOR:
                strays.append(word)
            else:
                kept.append(word)
        if not kept:
            kept, strays = strays, []
        return cls(tuple(kept), tuple(aside + strays))


def _split_trailing_place(words: Sequence[str]) -> tuple[Sequence[str], Sequence[str]]:
    """Words after the last street type ("... PARK ROAD, LEEDS, WEST YORKSHIRE") are the
    locality, town and county, whatever buildings of the block they resemble."""
    ends = [i for i, w in enumerate(words) if w in STREET_TYPES]
    if not ends:
        return words, ()
    return words[: ends[-1] + 1], words[ends[-1] + 1 :]


def score_candidate(block: Block, found: ParsedAddress) -> float:
    """0-100: how well the typed words and the candidate's words fit each other."""
    explained = _fit(block.typed, found.words)
    mentioned = _fit(found.words, block.typed)
    return _TYPED_WEIGHT * explained + (1 - _TYPED_WEIGHT) * mentioned


def name_agrees(block: Block, found: ParsedAddress) -> bool:
    """The candidate has a building name and the customer typed every word of it."""
    words = [w for w in found.name if w not in _STOP_WORDS]
    return bool(words) and all(_likeness(w, block.typed) >= _NAME_LIKENESS for w in words)
