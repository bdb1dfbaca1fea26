"""The loss activities on their own: a request never goes out once its deadline is near, an
attempt gives up waiting at the deadline, CSS's refusal is a result, and billing's faults
are classified for the retry policy."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from accounts.port import AccountsFault, AccountsUnavailable, InMemoryAccounts
from activities.loss_contracts import (
    SEND_DEADLINE_PASSED,
    AssessInput,
    LossActionInput,
    LossDatesInput,
    ObjectionInput,
)
from activities.losses import LossActivities
from css.errors import CssConflict, CssUnavailable
from css.losses import LossActionRequest, LossRequestAck, ObjectionRequest
from domain.accounts import AccountFacts
from domain.calendar import england_and_wales
from domain.identifiers import MarketSector
from domain.objection_policy import LossCase, Proposal, ReviewPolicy
from eventstore.memory import InMemoryEventStore

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
MPAN = "1312345678907"


class Css:
    def __init__(self) -> None:
        self.sent: list[tuple[str, ObjectionRequest | LossActionRequest]] = []
        self.answer_after: float = 0.0
        self.failure: Exception | None = None

    async def _answer(
        self, action: str, registration_id: str, request: ObjectionRequest | LossActionRequest
    ) -> LossRequestAck:
        self.sent.append((action, request))
        await asyncio.sleep(self.answer_after)
        if self.failure is not None:
            raise self.failure
        return LossRequestAck(registration_id, request.message_id, "PENDING")

    async def object_to_registration(self, rid: str, r: ObjectionRequest) -> LossRequestAck:
        return await self._answer("objection", rid, r)

    async def lift_objection(self, rid: str, r: LossActionRequest) -> LossRequestAck:
        return await self._answer("lift", rid, r)

    async def annul_registration(self, rid: str, r: LossActionRequest) -> LossRequestAck:
        return await self._answer("annulment", rid, r)


def activities(css: Css, accounts: InMemoryAccounts | None = None) -> LossActivities:
    return LossActivities(
        store=InMemoryEventStore(),
        css=css,
        accounts=accounts or InMemoryAccounts(),
        calendar=england_and_wales(),
        supplier_id="GAIN",
        clock=lambda: NOW,
    )


def lift(not_after: datetime) -> LossActionInput:
    return LossActionInput("REG-1", "m-1", "paid", not_after)


async def test_nothing_is_sent_once_the_deadline_has_passed() -> None:
    css = Css()
    with pytest.raises(ApplicationError) as refused:
        await ActivityEnvironment().run(activities(css).send_objection_lift, lift(NOW))
    assert refused.value.type == SEND_DEADLINE_PASSED
    assert refused.value.non_retryable
    assert css.sent == []


async def test_an_attempt_stops_waiting_for_css_at_the_deadline() -> None:
    css = Css()
    css.answer_after = 5.0
    deadline = NOW + timedelta(milliseconds=100)
    with pytest.raises(ApplicationError) as gave_up:
        await ActivityEnvironment().run(activities(css).send_annulment, lift(deadline))
    assert gave_up.value.type == SEND_DEADLINE_PASSED
    assert "no later attempt" in str(gave_up.value)


async def test_a_refusal_is_a_result_and_an_outage_is_retried() -> None:
    css = Css()
    css.failure = CssConflict(409, "OBJECTION_WINDOW_CLOSED", "too late")
    answer = await ActivityEnvironment().run(
        activities(css).send_objection, ObjectionInput("REG-1", "m-1", (), NOW + timedelta(hours=1))
    )
    assert (answer.refused_reason_code, answer.detail) == ("OBJECTION_WINDOW_CLOSED", "too late")
    css.failure = CssUnavailable("CSS answered 503", 503)
    with pytest.raises(CssUnavailable):
        await ActivityEnvironment().run(
            activities(css).send_objection_lift, lift(NOW + timedelta(hours=1))
        )
    [(_, objection), (_, sent_lift)] = css.sent
    assert isinstance(objection, ObjectionRequest)
    assert objection.losing_supplier_id == "GAIN"
    assert sent_lift.sent_at == NOW


async def test_the_assessment_reads_the_account_and_runs_the_policy() -> None:
    accounts = InMemoryAccounts()
    accounts.put(AccountFacts(MPAN, MarketSector.DOMESTIC, 5_000, date(2026, 1, 2)))
    request = AssessInput(
        MPAN, LossCase(MarketSector.DOMESTIC, date(2026, 3, 4)), date(2026, 3, 2), ReviewPolicy()
    )
    found = await ActivityEnvironment().run(activities(Css(), accounts).assess_objection, request)
    assert found.assessment.proposal is Proposal.OBJECT
    assert found.facts == await accounts.facts(MPAN)


async def test_billing_faults_are_classified_for_the_retry_policy() -> None:
    accounts = InMemoryAccounts()
    request = AssessInput(
        MPAN, LossCase(MarketSector.DOMESTIC, date(2026, 3, 4)), date(2026, 3, 2), ReviewPolicy()
    )
    accounts.failure = AccountsFault("arrears without a due date")
    with pytest.raises(ApplicationError) as fault:
        await ActivityEnvironment().run(activities(Css(), accounts).assess_objection, request)
    assert (fault.value.type, fault.value.non_retryable) == ("AccountsFault", True)
    accounts.failure = AccountsUnavailable("billing down")
    with pytest.raises(AccountsUnavailable):
        await ActivityEnvironment().run(activities(Css(), accounts).assess_objection, request)


async def test_gate_closure_comes_from_the_calendar() -> None:
    found = await ActivityEnvironment().run(
        activities(Css()).compute_loss_dates, LossDatesInput(date(2026, 3, 4))
    )
    assert found.gate_closure == datetime(2026, 3, 3, 17, 0, tzinfo=UTC)
    assert found.calendar_version == england_and_wales().version
