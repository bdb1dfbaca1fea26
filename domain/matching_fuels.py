"""Matching both fuels of one address: each service on its own, then the two reconciled.

The services key a premises by UPRN where they can, and a record one of them holds with
a UPRN may be written so differently by the other that the text alone leaves it open.
So, when one fuel is matched automatically and its record carries a UPRN, that UPRN
decides the other fuel if one of its candidates carries it too (and the typed text does
not contradict it). And when both fuels are matched automatically to records whose
UPRNs differ, neither match stands: two services disagreeing about the premises is for a
person to look at.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from domain.matching import (
    AddressQuery,
    Candidate,
    DecidedBy,
    MatchOutcome,
    MatchResult,
    match_address,
)


@dataclass(frozen=True)
class FuelMatches:
    """One result per fuel asked for (None for a fuel not asked for)."""

    electricity: MatchResult | None
    gas: MatchResult | None


def match_fuels(
    query: AddressQuery,
    electricity: Sequence[Candidate] | None,
    gas: Sequence[Candidate] | None,
) -> FuelMatches:
    """Match each fuel given (None: not wanted), then let them settle each other."""
    power = match_address(query, electricity) if electricity is not None else None
    heat = match_address(query, gas) if gas is not None else None
    if power is not None and heat is not None and gas is not None and electricity is not None:
        heat = _settled_by(query, power, heat, gas, "electricity")
        power = _settled_by(query, heat, power, electricity, "gas")
        power, heat = _agreeing(power, heat)
    return FuelMatches(power, heat)


def _settled_by(
    query: AddressQuery,
    matched: MatchResult,
    other: MatchResult,
    candidates: Sequence[Candidate],
    matched_fuel: str,
) -> MatchResult:
    """`other` decided by `matched`'s UPRN, when that settles it; otherwise unchanged."""
    uprn = matched.matched_uprn
    if matched.outcome is not MatchOutcome.MATCHED or other.outcome is MatchOutcome.MATCHED:
        return other
    if uprn is None or (query.uprn is not None and query.uprn != uprn):
        return other
    again = match_address(replace(query, uprn=uprn), candidates)
    if again.decided_by is not DecidedBy.UPRN:
        return other
    return replace(
        again,
        decided_by=DecidedBy.OTHER_FUEL_UPRN,
        detail=f"UPRN {uprn} of the {matched_fuel} match is on this record",
    )


def _agreeing(power: MatchResult, heat: MatchResult) -> tuple[MatchResult, MatchResult]:
    both = power.outcome is MatchOutcome.MATCHED and heat.outcome is MatchOutcome.MATCHED
    if not both or not power.matched_uprn or not heat.matched_uprn:
        return power, heat
    if power.matched_uprn == heat.matched_uprn:
        return power, heat
    detail = (
        f"electricity matched UPRN {power.matched_uprn}, gas matched UPRN "
        f"{heat.matched_uprn}: the services disagree about the premises"
    )

    def doubted(result: MatchResult) -> MatchResult:
        return replace(
            result,
            outcome=MatchOutcome.AMBIGUOUS,
            decided_by=DecidedBy.FUELS_DISAGREE,
            detail=detail,
            matched=(),
            matched_uprn=None,
        )

    return doubted(power), doubted(heat)
