"""Which meter point record is the customer's premises: address matching, precision first.

A wrong automatic match switches a stranger's meter (an erroneous transfer), so the rule
is: match automatically only when one candidate is clearly right; otherwise hand the
ranked candidates, with the evidence, to a person.

`match_address(query, candidates)` works on one fuel's candidates, which the caller has
already **blocked by postcode** (the enquiry services search by postcode):

1. Candidates linked as related meter points (e.g. an off-peak heating MPAN) form one
   group: one premises, several meter points, matched or not together.
2. **UPRN decides** when the query carries one (from signup's address lookup, or from the
   other fuel's match) and a candidate carries the same: MATCHED, unless the typed text
   contradicts it (then AMBIGUOUS: the records disagree, a person looks). A candidate
   with a different UPRN is excluded.
3. Otherwise the **hard rules**: a candidate whose building number or flat differs from
   the typed one (suffix included: 12 is not 12A, Flat 1 is not Flat 11) is excluded;
   one with a flat the customer did not give stays, but can never be matched
   automatically ("which flat?" is not for a machine to guess); one whose number only one
   side gives is matched only if its building name agrees.
4. The rest are **scored** 0-100 (`rapidfuzz`, per word, so a typo costs a little and a
   different street a lot): mostly how much of the typed text the candidate explains,
   partly how much of the candidate the text mentions. Typed words that are the
   candidates' locality or post town are set aside first, and words that resemble nothing
   in the block (a county, a stray word) are ignored when other words do match.
5. **MATCHED** needs an eligible top candidate scoring at least `MIN_SCORE` and leading
   every other remaining candidate by `MIN_MARGIN`; **AMBIGUOUS** lists the remaining
   candidates ranked; **NOT_FOUND** when none remains.

`match_fuels` runs both fuels and lets a UPRN matched on one fuel decide the other, and
refuses two automatic matches whose UPRNs disagree. Results are frozen dataclasses of
plain values (strings, numbers, tuples, enums) so that workflows can carry them and event
streams record them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from domain.address import ParsedAddress, ServiceAddress, parse_service_address, parse_typed
from domain.matching_score import Block, name_agrees, score_candidate
from domain.postcode import Postcode

#: The lowest score an automatic match may have.
MIN_SCORE = 85.0
#: How far an automatic match must lead the next remaining candidate.
MIN_MARGIN = 10.0


class MatchOutcome(StrEnum):
    MATCHED = "MATCHED"
    AMBIGUOUS = "AMBIGUOUS"
    NOT_FOUND = "NOT_FOUND"


class DecidedBy(StrEnum):
    """What settled the outcome: the first thing a reviewer reads."""

    UPRN = "UPRN"
    UPRN_CONFLICT = "UPRN_CONFLICT"
    CLEAR_WINNER = "CLEAR_WINNER"
    CLOSE_SCORES = "CLOSE_SCORES"
    LOW_SCORE = "LOW_SCORE"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
    NO_CANDIDATES = "NO_CANDIDATES"
    ALL_EXCLUDED = "ALL_EXCLUDED"
    OTHER_FUEL_UPRN = "OTHER_FUEL_UPRN"
    FUELS_DISAGREE = "FUELS_DISAGREE"


class Standing(StrEnum):
    """Where a candidate stands after the hard rules."""

    ELIGIBLE = "ELIGIBLE"  # may be matched automatically
    FLAT_NOT_GIVEN = "FLAT_NOT_GIVEN"  # a flat the customer did not name: a person picks
    UNCONFIRMED = "UNCONFIRMED"  # neither number nor building name confirms it
    EXCLUDED = "EXCLUDED"  # contradicts the typed address (or the UPRN)


#: Among equal scores, the candidate that may be matched is shown first.
_RANK = {
    Standing.ELIGIBLE: 0,
    Standing.FLAT_NOT_GIVEN: 1,
    Standing.UNCONFIRMED: 2,
    Standing.EXCLUDED: 3,
}


@dataclass(frozen=True)
class Candidate:
    """One meter point record a service returned for the postcode.

    `ref` is the caller's key (an MPAN core or an MPRN); `related` are refs of meter points
    at the same premises that switch with it.
    """

    ref: str
    address: ServiceAddress
    related: tuple[str, ...] = ()


@dataclass(frozen=True)
class AddressQuery:
    """What the customer gave: the postcode, the address as typed, a UPRN if known."""

    postcode: Postcode
    text: str
    uprn: str | None = None


@dataclass(frozen=True)
class ScoredCandidate:
    refs: tuple[str, ...]
    address: str
    uprn: str | None
    standing: Standing
    score: float
    reason: str


@dataclass(frozen=True)
class MatchResult:
    outcome: MatchOutcome
    decided_by: DecidedBy
    detail: str
    #: The matched premises' meter points (first the one the match was made on).
    matched: tuple[str, ...] = ()
    matched_uprn: str | None = None
    #: Every candidate, best first, with its standing and the reason for it.
    ranked: tuple[ScoredCandidate, ...] = ()
    #: How the typed address was read: flat, number, words, and any assumption made.
    understood_as: str = ""
    notes: tuple[str, ...] = ()

    @property
    def top_score(self) -> float | None:
        return self.ranked[0].score if self.ranked else None


@dataclass(frozen=True)
class _Group:
    refs: tuple[str, ...]
    address: ServiceAddress
    parsed: ParsedAddress


def match_address(query: AddressQuery, candidates: Sequence[Candidate]) -> MatchResult:
    """Match the typed address against one fuel's candidates for its postcode."""
    typed = parse_typed(_without_postcode(query.text, query.postcode))
    understood = typed.describe()
    base = MatchResult(
        MatchOutcome.NOT_FOUND,
        DecidedBy.NO_CANDIDATES,
        "",
        understood_as=understood,
        notes=typed.notes,
    )
    groups = _groups(c for c in candidates if _same_postcode(c, query.postcode))
    if not groups:
        return replace(base, detail=f"no meter point at {query.postcode}")
    block = Block.of(typed, [g.parsed for g in groups])
    ranked = sorted(
        (_judge(query, typed, block, group) for group in groups),
        key=lambda s: (s.standing is Standing.EXCLUDED, -s.score, _RANK[s.standing], s.refs),
    )
    return _decide(query, base, tuple(ranked))


def _without_postcode(text: str, postcode: Postcode) -> str:
    """The typed text without the postcode, which customers often type in it too."""
    written = re.compile(rf"\b{postcode.outward}[\s-]*{postcode.inward}\b", re.IGNORECASE)
    return written.sub(" ", text)


def _same_postcode(candidate: Candidate, postcode: Postcode) -> bool:
    compact = "".join(candidate.address.postcode.split()).upper()
    return compact == postcode.value.replace(" ", "")


def _groups(candidates: Iterable[Candidate]) -> list[_Group]:
    """One group per premises: related meter points joined (transitively)."""
    listed = list(candidates)
    owner: dict[str, str] = {}

    def root(ref: str) -> str:
        while owner.get(ref, ref) != ref:
            ref = owner[ref]
        return ref

    by_ref = {c.ref: c for c in listed}
    for c in listed:
        owner.setdefault(c.ref, c.ref)
        for other in c.related:
            if other in by_ref:
                owner.setdefault(other, other)
                owner[root(other)] = root(c.ref)
    members: dict[str, list[str]] = {}
    for c in listed:
        members.setdefault(root(c.ref), []).append(c.ref)
    groups = []
    for refs in members.values():
        first = by_ref[refs[0]]
        groups.append(_Group(tuple(refs), first.address, parse_service_address(first.address)))
    return groups


def _judge(
    query: AddressQuery, typed: ParsedAddress, block: Block, group: _Group
) -> ScoredCandidate:
    uprn = group.address.uprn
    score = score_candidate(block, group.parsed)
    shown = group.address.one_line()

    def scored(standing: Standing, reason: str) -> ScoredCandidate:
        return ScoredCandidate(group.refs, shown, uprn, standing, round(score, 1), reason)

    if query.uprn and uprn and uprn != query.uprn:
        return scored(Standing.EXCLUDED, f"UPRN {uprn} is not {query.uprn}")
    conflict = _conflict(typed, group.parsed)
    if conflict:
        return scored(Standing.EXCLUDED, conflict)
    if typed.flat is None and group.parsed.flat is not None:
        return scored(Standing.FLAT_NOT_GIVEN, f"flat {group.parsed.flat} here; none was given")
    if typed.number and typed.number == group.parsed.number:
        return scored(Standing.ELIGIBLE, f"number {typed.number} agrees")
    if name_agrees(block, group.parsed):
        return scored(Standing.ELIGIBLE, f"building name {' '.join(group.parsed.name)} agrees")
    return scored(Standing.UNCONFIRMED, "neither building number nor name confirms it")


def _conflict(typed: ParsedAddress, found: ParsedAddress) -> str | None:
    if typed.number and found.number and typed.number != found.number:
        return f"number {found.number} is not {typed.number}"
    if typed.flat and found.flat and typed.flat != found.flat:
        return f"flat {found.flat} is not {typed.flat}"
    if typed.flat and found.flat is None:
        return f"flat {typed.flat} was given; this record has none"
    return None


def _decide(
    query: AddressQuery, base: MatchResult, ranked: tuple[ScoredCandidate, ...]
) -> MatchResult:
    """The outcome from the ranked candidates.

    A candidate confirmed by neither number nor building name (UNCONFIRMED) is no rival to
    one that is: its number or its name is not the one typed, so it is another premises
    of the street, however alike the rest of the words. Rivals are the other eligible
    candidates and the flats the customer did not choose between.
    """
    base = replace(base, ranked=ranked)
    by_uprn = [s for s in ranked if query.uprn and s.uprn == query.uprn]
    if by_uprn:
        return _decide_by_uprn(query, base, by_uprn[0])
    remaining = [s for s in ranked if s.standing is not Standing.EXCLUDED]
    if not remaining:
        return replace(
            base,
            decided_by=DecidedBy.ALL_EXCLUDED,
            detail=f"every one of {len(ranked)} candidates contradicts the address",
        )
    top = remaining[0]
    rivals = [s for s in remaining[1:] if s.standing is not Standing.UNCONFIRMED]
    margin = top.score - rivals[0].score if rivals else 100.0
    if top.standing is not Standing.ELIGIBLE:
        return _ambiguous(base, DecidedBy.NOT_ELIGIBLE, f"best candidate: {top.reason}")
    if top.score < MIN_SCORE:
        detail = f"best score {top.score:.1f} is below {MIN_SCORE:.0f}"
        return _ambiguous(base, DecidedBy.LOW_SCORE, detail)
    if margin < MIN_MARGIN:
        detail = f"best score {top.score:.1f} leads the next by only {margin:.1f}"
        return _ambiguous(base, DecidedBy.CLOSE_SCORES, detail)
    detail = f"{top.reason}; score {top.score:.1f}, {margin:.1f} ahead of the next"
    return _matched(base, DecidedBy.CLEAR_WINNER, top, detail)


def _ambiguous(base: MatchResult, decided_by: DecidedBy, detail: str) -> MatchResult:
    return replace(base, outcome=MatchOutcome.AMBIGUOUS, decided_by=decided_by, detail=detail)


def _matched(
    base: MatchResult, decided_by: DecidedBy, winner: ScoredCandidate, detail: str
) -> MatchResult:
    return replace(
        base,
        outcome=MatchOutcome.MATCHED,
        decided_by=decided_by,
        matched=winner.refs,
        matched_uprn=winner.uprn,
        detail=detail,
    )


def _decide_by_uprn(query: AddressQuery, base: MatchResult, hit: ScoredCandidate) -> MatchResult:
    if hit.standing is Standing.EXCLUDED:
        detail = f"UPRN {query.uprn} agrees but the typed address does not: {hit.reason}"
        return _ambiguous(base, DecidedBy.UPRN_CONFLICT, detail)
    return _matched(base, DecidedBy.UPRN, hit, f"UPRN {query.uprn} is on this record")
