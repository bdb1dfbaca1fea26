"""Whether to object when a customer leaves us, on which grounds, and with what evidence.

The losing supplier may object only inside the objection window and only on the grounds of
`domain.objections` (debt for everyone, an unexpired fixed-term contract for non-domestic
customers; never on an erroneous transfer, never for debt on a change of occupancy). Here
those grounds meet the account's facts:

- **debt**: arrears whose oldest unpaid amount is *more than* 28 days past its due date on
  the day of the assessment (exactly 28 days is not enough), and no debt assignment agreed
  (the debt would follow the customer to the new supplier);
- **contract**: a fixed term whose last day is on or after the supply start date, so the
  switch would end it early.

Every proposal to object carries its evidence, one item per ground; a proposal not to
object says why in `reasons`. The policy also says when a person must look before anything
is sent (`ReviewPolicy`): a large debt, a contract objection if so configured, no account
facts at all, or billing and CSS disagreeing on the sector. The sector that counts is the
one CSS holds for the meter point, as it told us with the pending loss.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.accounts import AccountFacts
from domain.errors import DomainError
from domain.identifiers import MarketSector
from domain.objections import ObjectionGround, objection_refusal

#: Arrears must be more than this many days past their due date to ground an objection.
DEBT_DAYS_OVERDUE = 28


class Proposal(StrEnum):
    OBJECT = "OBJECT"
    NO_OBJECTION = "NO_OBJECTION"


@dataclass(frozen=True)
class LossCase:
    """What CSS told us about the switch away: the sector it holds and the request's flags."""

    market_sector: MarketSector
    supply_start_date: date
    change_of_occupancy: bool = False
    erroneous_transfer: bool = False


@dataclass(frozen=True)
class Evidence:
    """The facts one ground of an objection stands on; sent to CSS with the objection."""

    ground: ObjectionGround
    assessed_on: date
    arrears_pence: int | None = None
    oldest_unpaid_due: date | None = None
    days_overdue: int | None = None
    fixed_term_end: date | None = None
    supply_start_date: date | None = None

    def __post_init__(self) -> None:
        if self.ground is ObjectionGround.DEBT:
            if (
                self.arrears_pence is None
                or self.arrears_pence <= 0
                or self.oldest_unpaid_due is None
                or self.days_overdue is None
                or self.days_overdue <= DEBT_DAYS_OVERDUE
            ):
                raise DomainError(
                    "debt evidence needs arrears more than "
                    f"{DEBT_DAYS_OVERDUE} days overdue, got {self}"
                )
        elif (
            self.fixed_term_end is None
            or self.supply_start_date is None
            or self.fixed_term_end < self.supply_start_date
        ):
            raise DomainError(f"contract evidence needs a term running to the SSD, got {self}")


@dataclass(frozen=True)
class ReviewPolicy:
    """When a person must decide before an objection goes to CSS (configurable)."""

    #: Debt objections for arrears above this many pence; None: never for the amount.
    arrears_above_pence: int | None = 50_000
    #: Every contract objection.
    contract_objections: bool = False


@dataclass(frozen=True)
class Assessment:
    """The policy's proposal, its evidence, why any ground failed, and whether (and why) a
    person must look before anything is sent."""

    proposal: Proposal
    evidence: tuple[Evidence, ...] = ()
    reasons: tuple[str, ...] = ()
    review_reason: str | None = None

    def __post_init__(self) -> None:
        if (self.proposal is Proposal.OBJECT) != bool(self.evidence):
            raise DomainError("an assessment proposes to object exactly when it has evidence")

    @property
    def review_required(self) -> bool:
        return self.review_reason is not None

    @property
    def grounds(self) -> tuple[ObjectionGround, ...]:
        return tuple(item.ground for item in self.evidence)


def assess(
    facts: AccountFacts | None, case: LossCase, on: date, review: ReviewPolicy
) -> Assessment:
    """The policy's proposal for a loss, assessed on the London day `on`."""
    if case.erroneous_transfer:
        # No account look-up matters: the indicator switches the objection test off.
        return Assessment(
            Proposal.NO_OBJECTION, reasons=("the erroneous-transfer indicator disables objections",)
        )
    if facts is None:
        return unassessed("the billing system holds no account for this meter point")
    reasons: list[str] = []
    evidence = [
        item
        for item in (_debt(facts, case, on, reasons), _contract(facts, case, on, reasons))
        if item is not None
    ]
    proposal = Proposal.OBJECT if evidence else Proposal.NO_OBJECTION
    assessment = Assessment(proposal, tuple(evidence), tuple(reasons))
    return _reviewed(assessment, facts, case, review)


def unassessed(reason: str) -> Assessment:
    """No objection, and a person to look: the facts an objection needs are not to be had."""
    return Assessment(Proposal.NO_OBJECTION, reasons=(reason,), review_reason=reason)


def _debt(facts: AccountFacts, case: LossCase, on: date, reasons: list[str]) -> Evidence | None:
    overdue = facts.days_overdue(on)
    if facts.arrears_pence == 0 or overdue <= DEBT_DAYS_OVERDUE:
        reasons.append(
            f"debt: no arrears more than {DEBT_DAYS_OVERDUE} days overdue "
            f"(arrears {facts.arrears_pence}p, oldest due {facts.oldest_unpaid_due}, "
            f"{overdue} days overdue on {on})"
        )
        return None
    refusal = _refusal(ObjectionGround.DEBT, case)
    if refusal is not None:
        reasons.append(f"debt: {refusal}")
        return None
    if facts.debt_assignment_agreed:
        reasons.append("debt: debt assignment is agreed, so the debt follows the customer")
        return None
    return Evidence(
        ObjectionGround.DEBT,
        assessed_on=on,
        arrears_pence=facts.arrears_pence,
        oldest_unpaid_due=facts.oldest_unpaid_due,
        days_overdue=overdue,
    )


def _contract(facts: AccountFacts, case: LossCase, on: date, reasons: list[str]) -> Evidence | None:
    end, ssd = facts.fixed_term_end, case.supply_start_date
    if end is None or end < ssd:
        reasons.append(f"contract: no fixed term running to the supply start date {ssd}")
        return None
    refusal = _refusal(ObjectionGround.CONTRACT, case)
    if refusal is not None:
        reasons.append(f"contract: {refusal}")
        return None
    return Evidence(
        ObjectionGround.CONTRACT, assessed_on=on, fixed_term_end=end, supply_start_date=ssd
    )


def _refusal(ground: ObjectionGround, case: LossCase) -> str | None:
    return objection_refusal(
        ground,
        case.market_sector,
        change_of_occupancy=case.change_of_occupancy,
        erroneous_transfer=case.erroneous_transfer,
    )


def _reviewed(
    assessment: Assessment, facts: AccountFacts, case: LossCase, review: ReviewPolicy
) -> Assessment:
    why: str | None = None
    if facts.market_sector is not case.market_sector:
        why = (
            f"billing holds sector {facts.market_sector.value}, CSS holds "
            f"{case.market_sector.value}; CSS's decides the grounds"
        )
    for item in assessment.evidence:
        threshold = review.arrears_above_pence
        if item.ground is ObjectionGround.DEBT and threshold is not None:
            assert item.arrears_pence is not None
            if item.arrears_pence > threshold:
                why = why or f"arrears {item.arrears_pence}p are above {threshold}p"
        if item.ground is ObjectionGround.CONTRACT and review.contract_objections:
            why = why or "every contract objection is reviewed"
    if why is None:
        return assessment
    return Assessment(assessment.proposal, assessment.evidence, assessment.reasons, why)
