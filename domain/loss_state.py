"""What the engine knows about one loss: its events folded by `domain.loss.evolve`.

Carried as the loss workflow's query answer and result, the state's record is a versioned
contract like the switch's (`SCHEMA_VERSION`, upcasters from the version before).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from domain.accounts import AccountFacts
from domain.identifiers import Fuel, MarketSector
from domain.loss_events import DecidedBy, LossRequest, RequestResult
from domain.loss_notification import ENDED, LossStatus
from domain.objection_policy import Assessment, LossCase, Proposal
from domain.records import Upcaster


class LossDecision(StrEnum):
    """Where the objection decision stands, as operators search for it."""

    UNDECIDED = "UNDECIDED"  # no pending loss yet, or CSS closed the window first
    AWAITING_OPERATOR = "AWAITING_OPERATOR"  # the policy wants a person; the window is open
    OBJECT = "OBJECT"
    NO_OBJECTION = "NO_OBJECTION"
    LIFTED = "LIFTED"  # objected, then lifted (the customer paid)
    WINDOW_MISSED = "WINDOW_MISSED"  # the pending loss arrived after the window


@dataclass(frozen=True)
class RequestOutcome:
    """How one of our requests to CSS ended."""

    request: LossRequest
    result: RequestResult
    message_id: str
    at: datetime
    reason_code: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class LossState:
    SCHEMA_VERSION: ClassVar[int] = 1
    UPCASTERS: ClassVar[Mapping[int, Upcaster]] = {}

    loss_id: str
    mpxn: str
    status: LossStatus
    notified_at: datetime
    updated_at: datetime
    # The switch's particulars, from the pending loss (None until it has arrived).
    fuel: Fuel | None = None
    market_sector: MarketSector | None = None
    gaining_supplier_id: str | None = None
    objection_window_end: datetime | None = None
    supply_start_date: date | None = None
    change_of_occupancy: bool = False
    erroneous_transfer: bool = False
    pending_received: bool = False
    window_missed: bool = False
    # The objection decision and our requests to CSS.
    assessment: Assessment | None = None
    facts: AccountFacts | None = None
    decision: Proposal | None = None
    decided_by: DecidedBy | None = None
    objection: RequestOutcome | None = None
    lift_requested: bool = False
    lift_reason: str | None = None
    lift: RequestOutcome | None = None
    annulment_requested: bool = False
    annulment_reason: str | None = None
    annulment: RequestOutcome | None = None
    reason_code: str | None = None
    # After the loss.
    final_read_due: date | None = None
    final_bill_due: date | None = None
    final_bill_sent_on: date | None = None
    final_bill_overdue: bool = False
    compensation_pence: int = 0
    seen_message_ids: tuple[str, ...] = ()
    version: int = 0

    @property
    def window_open(self) -> bool:
        """CSS has not said how the window ended (our clock is checked separately)."""
        return self.status is LossStatus.PENDING

    @property
    def registration_ended(self) -> bool:
        return self.status in ENDED

    @property
    def closed(self) -> bool:
        """Nothing more to do: the registration ended, and a lost customer's bill is sent."""
        if self.status is LossStatus.LOST:
            return self.final_bill_sent_on is not None
        return self.registration_ended

    @property
    def awaiting_operator(self) -> bool:
        return (
            self.assessment is not None
            and self.assessment.review_required
            and self.decision is None
            and self.window_open
        )

    @property
    def objection_standing(self) -> bool:
        sent = self.objection is not None and self.objection.result is RequestResult.SENT
        lifted = self.lift is not None and self.lift.result is RequestResult.SENT
        return sent and not lifted

    @property
    def decision_label(self) -> LossDecision:
        if self.window_missed:
            return LossDecision.WINDOW_MISSED
        if self.decision is None:
            return (
                LossDecision.AWAITING_OPERATOR if self.awaiting_operator else LossDecision.UNDECIDED
            )
        if self.decision is Proposal.NO_OBJECTION:
            return LossDecision.NO_OBJECTION
        if self.lift is not None and self.lift.result is RequestResult.SENT:
            return LossDecision.LIFTED
        return LossDecision.OBJECT

    @property
    def final_bill_label(self) -> str | None:
        """DUE, OVERDUE, SENT or SENT_LATE once a final bill is owed; None before."""
        if self.final_bill_sent_on is not None:
            return "SENT_LATE" if self.final_bill_overdue else "SENT"
        if self.final_bill_due is None:
            return None
        return "OVERDUE" if self.final_bill_overdue else "DUE"

    def case(self) -> LossCase | None:
        """The loss as the objection policy sees it, once the pending loss has told us."""
        if self.market_sector is None or self.supply_start_date is None:
            return None
        return LossCase(
            self.market_sector,
            self.supply_start_date,
            change_of_occupancy=self.change_of_occupancy,
            erroneous_transfer=self.erroneous_transfer,
        )
