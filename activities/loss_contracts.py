"""The loss workflow's activities: their names and their input and result dataclasses.

Like `activities.contracts`, this is all the workflow knows of them; the implementations
(the accounts port, the CSS client) stay out of the workflow sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from activities.contracts import Activity, AppendInput, AppendResult
from domain.accounts import AccountFacts
from domain.objection_policy import Assessment, Evidence, LossCase, ReviewPolicy

__all__ = [
    "ACCOUNTS_NON_RETRYABLE",
    "APPEND_LOSS_EVENTS",
    "ASSESS_OBJECTION",
    "COMPUTE_LOSS_DATES",
    "SEND_ANNULMENT",
    "SEND_DEADLINE_PASSED",
    "SEND_LIFT",
    "SEND_OBJECTION",
    "AppendInput",
    "AssessInput",
    "AssessResult",
    "LossActionInput",
    "LossDatesInput",
    "LossDatesResult",
    "LossSendResult",
    "ObjectionInput",
]

APPEND_LOSS_EVENTS: Activity[AppendInput, AppendResult] = Activity(
    "append_loss_events", AppendResult
)


@dataclass(frozen=True)
class AssessInput:
    """Read the account on `mpxn` and run the objection policy on it, as of London day `on`."""

    mpxn: str
    case: LossCase
    on: date
    review: ReviewPolicy


@dataclass(frozen=True)
class AssessResult:
    assessment: Assessment
    facts: AccountFacts | None


ASSESS_OBJECTION: Activity[AssessInput, AssessResult] = Activity("assess_objection", AssessResult)

#: The accounts port's failures retrying cannot mend (`accounts.port` class names).
ACCOUNTS_NON_RETRYABLE: tuple[str, ...] = ("AccountsFault",)


@dataclass(frozen=True)
class LossDatesInput:
    supply_start_date: date


@dataclass(frozen=True)
class LossDatesResult:
    """Gate closure for the SSD: after it, the loss is SECURED and cannot be annulled."""

    gate_closure: datetime
    calendar_version: str


COMPUTE_LOSS_DATES: Activity[LossDatesInput, LossDatesResult] = Activity(
    "compute_loss_dates", LossDatesResult
)


@dataclass(frozen=True)
class ObjectionInput:
    registration_id: str
    message_id: str
    evidence: tuple[Evidence, ...]
    #: No attempt may reach CSS after this instant.
    not_after: datetime


@dataclass(frozen=True)
class LossActionInput:
    """A lift of our objection, or an annulment."""

    registration_id: str
    message_id: str
    reason: str
    #: No attempt may reach CSS after this instant.
    not_after: datetime


@dataclass(frozen=True)
class LossSendResult:
    """CSS accepted the request (no reason code) or refused it on purpose (its reason)."""

    refused_reason_code: str | None = None
    detail: str = ""


SEND_OBJECTION: Activity[ObjectionInput, LossSendResult] = Activity(
    "send_objection", LossSendResult
)
SEND_LIFT: Activity[LossActionInput, LossSendResult] = Activity(
    "send_objection_lift", LossSendResult
)
SEND_ANNULMENT: Activity[LossActionInput, LossSendResult] = Activity(
    "send_annulment", LossSendResult
)

#: The `ApplicationError` type of a request not sent because it could reach CSS only after
#: its deadline (never retried).
SEND_DEADLINE_PASSED = "SendDeadlinePassed"
