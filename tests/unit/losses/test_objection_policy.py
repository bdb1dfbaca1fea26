"""The objection policy: each rule on its own edge, then properties over every combination."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.accounts import AccountFacts, InvalidAccountFacts
from domain.errors import DomainError
from domain.identifiers import MarketSector
from domain.objection_policy import (
    DEBT_DAYS_OVERDUE,
    Assessment,
    Evidence,
    LossCase,
    Proposal,
    ReviewPolicy,
    assess,
)
from domain.objections import ObjectionGround

D, N = MarketSector.DOMESTIC, MarketSector.NON_DOMESTIC
DEBT, CONTRACT = ObjectionGround.DEBT, ObjectionGround.CONTRACT
ON = date(2026, 3, 2)
SSD = date(2026, 3, 4)
NEVER = ReviewPolicy(arrears_above_pence=None)


def facts(
    sector: MarketSector = D,
    arrears: int = 0,
    days_overdue: int | None = None,
    term_end: date | None = None,
    assigned: bool = False,
) -> AccountFacts:
    due = None if days_overdue is None else ON - timedelta(days=days_overdue)
    return AccountFacts("1312345678907", sector, arrears, due, term_end, assigned)


def case(sector: MarketSector = D, *, occupancy: bool = False, erroneous: bool = False) -> LossCase:
    return LossCase(sector, SSD, change_of_occupancy=occupancy, erroneous_transfer=erroneous)


class TestDebt:
    def test_exactly_28_days_overdue_is_not_enough(self) -> None:
        found = assess(facts(arrears=12_000, days_overdue=28), case(), ON, NEVER)
        assert found.proposal is Proposal.NO_OBJECTION
        assert "28 days overdue" in found.reasons[0]

    def test_29_days_overdue_grounds_a_debt_objection_with_its_evidence(self) -> None:
        found = assess(facts(arrears=12_000, days_overdue=29), case(), ON, NEVER)
        assert found.proposal is Proposal.OBJECT
        (evidence,) = found.evidence
        assert evidence == Evidence(
            DEBT,
            assessed_on=ON,
            arrears_pence=12_000,
            oldest_unpaid_due=ON - timedelta(days=29),
            days_overdue=29,
        )

    def test_a_due_date_still_ahead_is_not_overdue(self) -> None:
        found = assess(facts(arrears=500, days_overdue=-3), case(), ON, NEVER)
        assert found.proposal is Proposal.NO_OBJECTION

    def test_change_of_occupancy_forbids_a_debt_objection(self) -> None:
        found = assess(facts(arrears=90_000, days_overdue=90), case(occupancy=True), ON, NEVER)
        assert found.proposal is Proposal.NO_OBJECTION
        assert any("previous occupant" in reason for reason in found.reasons)

    def test_an_agreed_debt_assignment_forbids_a_debt_objection(self) -> None:
        found = assess(facts(arrears=9_000, days_overdue=60, assigned=True), case(), ON, NEVER)
        assert found.proposal is Proposal.NO_OBJECTION
        assert any("debt assignment" in reason for reason in found.reasons)

    def test_arrears_above_the_threshold_need_a_person(self) -> None:
        policy = ReviewPolicy(arrears_above_pence=50_000)
        small = assess(facts(arrears=50_000, days_overdue=40), case(), ON, policy)
        large = assess(facts(arrears=50_001, days_overdue=40), case(), ON, policy)
        assert not small.review_required
        assert large.review_required
        assert large.proposal is Proposal.OBJECT
        assert "50001p" in (large.review_reason or "")


class TestContract:
    def test_a_non_domestic_term_running_on_the_ssd_grounds_an_objection(self) -> None:
        found = assess(facts(N, term_end=SSD), case(N), ON, NEVER)
        assert found.grounds == (CONTRACT,)
        assert found.evidence[0].fixed_term_end == SSD
        assert found.evidence[0].supply_start_date == SSD

    def test_a_term_ending_the_day_before_the_ssd_does_not(self) -> None:
        found = assess(facts(N, term_end=SSD - timedelta(days=1)), case(N), ON, NEVER)
        assert found.proposal is Proposal.NO_OBJECTION

    def test_a_domestic_contract_never_grounds_an_objection(self) -> None:
        found = assess(facts(D, term_end=SSD + timedelta(days=300)), case(D), ON, NEVER)
        assert found.proposal is Proposal.NO_OBJECTION
        assert any("only for debt" in reason for reason in found.reasons)

    def test_the_sector_css_holds_decides_not_billings(self) -> None:
        # Billing thinks it is a business; CSS holds it as domestic, so no contract ground,
        # and the disagreement is put to a person.
        found = assess(facts(N, term_end=SSD + timedelta(days=30)), case(D), ON, NEVER)
        assert found.proposal is Proposal.NO_OBJECTION
        assert "CSS holds D" in (found.review_reason or "")

    def test_a_change_of_occupancy_leaves_the_contract_ground(self) -> None:
        found = assess(
            facts(N, arrears=800, days_overdue=45, term_end=SSD), case(N, occupancy=True), ON, NEVER
        )
        assert found.grounds == (CONTRACT,)

    def test_contract_objections_can_all_be_reviewed(self) -> None:
        policy = ReviewPolicy(arrears_above_pence=None, contract_objections=True)
        found = assess(facts(N, term_end=SSD), case(N), ON, policy)
        assert found.review_reason == "every contract objection is reviewed"


def test_both_grounds_are_carried_with_their_evidence() -> None:
    found = assess(facts(N, arrears=700, days_overdue=31, term_end=SSD), case(N), ON, NEVER)
    assert found.grounds == (DEBT, CONTRACT)


def test_erroneous_transfer_disables_every_objection() -> None:
    found = assess(
        facts(N, arrears=99_999, days_overdue=400, term_end=SSD), case(N, erroneous=True), ON, NEVER
    )
    assert found == Assessment(
        Proposal.NO_OBJECTION, reasons=("the erroneous-transfer indicator disables objections",)
    )


def test_no_account_means_no_objection_and_a_person_to_look() -> None:
    found = assess(None, case(), ON, NEVER)
    assert found.proposal is Proposal.NO_OBJECTION
    assert found.review_required


def test_evidence_and_assessments_refuse_what_cannot_be_true() -> None:
    with pytest.raises(DomainError):
        Evidence(DEBT, ON, arrears_pence=100, oldest_unpaid_due=ON, days_overdue=DEBT_DAYS_OVERDUE)
    with pytest.raises(DomainError):
        Evidence(CONTRACT, ON, fixed_term_end=SSD - timedelta(days=1), supply_start_date=SSD)
    with pytest.raises(DomainError):
        Assessment(Proposal.OBJECT)
    with pytest.raises(InvalidAccountFacts, match="oldest_unpaid_due"):
        AccountFacts("1312345678907", D, 100)
    with pytest.raises(InvalidAccountFacts, match="negative"):
        AccountFacts("1312345678907", D, -1, ON)


# --- properties ------------------------------------------------------------------------------

sectors = st.sampled_from([D, N])
days = st.integers(min_value=-60, max_value=400)


@st.composite
def account_facts(draw: st.DrawFn) -> AccountFacts:
    arrears = draw(st.integers(min_value=0, max_value=500_000))
    overdue = draw(days) if arrears else None
    term = draw(st.none() | st.integers(min_value=-40, max_value=400))
    return facts(
        draw(sectors),
        arrears,
        overdue,
        None if term is None else SSD + timedelta(days=term),
        draw(st.booleans()),
    )


cases = st.builds(
    lambda sector, occupancy, erroneous: case(sector, occupancy=occupancy, erroneous=erroneous),
    sectors,
    st.booleans(),
    st.booleans(),
)
policies = st.builds(
    ReviewPolicy, st.none() | st.integers(min_value=0, max_value=200_000), st.booleans()
)


@given(st.none() | account_facts(), cases, policies)
def test_no_objection_is_ever_proposed_for_an_erroneous_transfer(
    account: AccountFacts | None, loss: LossCase, policy: ReviewPolicy
) -> None:
    found = assess(account, loss, ON, policy)
    if loss.erroneous_transfer:
        assert found.proposal is Proposal.NO_OBJECTION
        assert found.evidence == ()


@given(account_facts(), cases, policies)
def test_never_for_debt_on_a_change_of_occupancy_nor_a_contract_when_domestic(
    account: AccountFacts, loss: LossCase, policy: ReviewPolicy
) -> None:
    grounds = assess(account, loss, ON, policy).grounds
    if loss.change_of_occupancy:
        assert DEBT not in grounds
    if loss.market_sector is D:
        assert CONTRACT not in grounds


@given(account_facts(), cases, policies)
def test_every_objection_carries_evidence_that_matches_the_facts(
    account: AccountFacts, loss: LossCase, policy: ReviewPolicy
) -> None:
    found = assess(account, loss, ON, policy)
    assert (found.proposal is Proposal.OBJECT) == bool(found.evidence)
    for item in found.evidence:
        assert item.assessed_on == ON
        if item.ground is DEBT:
            assert item.arrears_pence == account.arrears_pence
            assert item.days_overdue == account.days_overdue(ON) > DEBT_DAYS_OVERDUE
            assert not account.debt_assignment_agreed
        else:
            assert account.fixed_term_end is not None
            assert account.fixed_term_end >= loss.supply_start_date


@given(account_facts(), cases, policies)
def test_a_ground_is_missing_only_for_a_stated_reason(
    account: AccountFacts, loss: LossCase, policy: ReviewPolicy
) -> None:
    found = assess(account, loss, ON, policy)
    if not loss.erroneous_transfer:
        mentioned = {reason.split(":")[0] for reason in found.reasons}
        for ground in (DEBT, CONTRACT):
            assert (ground in found.grounds) != (ground.value.lower() in mentioned)
