"""What can be asked of a loss: CSS's notifications, the policy's assessment, an operator's
decision, the margin timer, our requests' outcomes, and the final bill."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.accounts import AccountFacts
from domain.loss_notification import LossNotification
from domain.loss_state import RequestOutcome
from domain.objection_policy import Assessment


@dataclass(frozen=True)
class ApplyLossNotification:
    notification: LossNotification
    at: datetime  # when the workflow applies it: a pending loss past its window is missed


@dataclass(frozen=True)
class RecordAssessment:
    assessment: Assessment
    facts: AccountFacts | None
    at: datetime


@dataclass(frozen=True)
class OperatorDecision:
    object: bool
    note: str
    at: datetime


@dataclass(frozen=True)
class DecideAtMargin:
    at: datetime


@dataclass(frozen=True)
class RequestLift:
    reason: str
    at: datetime


@dataclass(frozen=True)
class RequestAnnulment:
    reason: str
    at: datetime


@dataclass(frozen=True)
class RecordRequestOutcome:
    outcome: RequestOutcome


@dataclass(frozen=True)
class RecordFinalBillSent:
    at: datetime


@dataclass(frozen=True)
class MarkFinalBillOverdue:
    at: datetime


LossCommand = (
    ApplyLossNotification
    | RecordAssessment
    | OperatorDecision
    | DecideAtMargin
    | RequestLift
    | RequestAnnulment
    | RecordRequestOutcome
    | RecordFinalBillSent
    | MarkFinalBillOverdue
)
