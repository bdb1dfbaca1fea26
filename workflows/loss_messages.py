"""The loss workflow's public contract: its id, input, result, signal, updates and query.

The receiver starts one loss workflow per CSS registration that takes a customer from us
(signal-with-start: the first notification starts it, later ones signal it); operators
act on it through the updates. Each payload is a dataclass of its own so it can grow a
field without breaking running losses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.loss_notification import LossStatus
from domain.loss_state import LossDecision, LossState
from domain.objection_policy import ReviewPolicy

LOSS_WORKFLOW_NAME = "LossWorkflow"
LOSS_NOTIFICATION_SIGNAL = "loss_notification"
APPROVE_OBJECTION_UPDATE = "approve_objection"
DECLINE_OBJECTION_UPDATE = "decline_objection"
LIFT_OBJECTION_UPDATE = "lift_objection"
ANNUL_UPDATE = "annul"
FINAL_BILL_SENT_UPDATE = "final_bill_sent"
LOSS_STATUS_QUERY = "status"

#: Workflow ids and stream ids of losses: `loss-` and CSS's registration id.
LOSS_PREFIX = "loss-"

#: How long before the objection window closes whatever is decided is sent (default).
DEFAULT_SAFETY_MARGIN_SECONDS = 1800.0


def loss_workflow_id(registration_id: str) -> str:
    """The loss's workflow id, which is also its event stream's id."""
    return f"{LOSS_PREFIX}{registration_id}"


@dataclass(frozen=True)
class LossInput:
    #: CSS's registration id of the switch away from us.
    loss_id: str
    #: The objection decision is sent this long before the window closes, answered or not.
    safety_margin_seconds: float = DEFAULT_SAFETY_MARGIN_SECONDS
    #: When a person must decide before an objection is sent.
    review: ReviewPolicy = field(default_factory=ReviewPolicy)


@dataclass(frozen=True)
class LossPolicy:
    """The settings every loss starts with (the receiver's, from the environment)."""

    safety_margin_seconds: float = DEFAULT_SAFETY_MARGIN_SECONDS
    review: ReviewPolicy = field(default_factory=ReviewPolicy)

    def input_for(self, loss_id: str) -> LossInput:
        return LossInput(loss_id, self.safety_margin_seconds, self.review)


@dataclass(frozen=True)
class LossResult:
    loss_id: str
    status: LossStatus
    state: LossState


@dataclass(frozen=True)
class OperatorNote:
    """An operator's approval or decline of the objection the policy proposes, and why."""

    note: str


@dataclass(frozen=True)
class LossReason:
    """Why a lift (the customer paid) or an annulment (they never agreed) is asked for."""

    reason: str


@dataclass(frozen=True)
class FinalBillSentRequest:
    """The final bill went to the customer (recorded on today's London date)."""

    note: str = ""


@dataclass(frozen=True)
class LossUpdateResult:
    status: LossStatus
    decision: LossDecision
    detail: str
