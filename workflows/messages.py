"""The workflow's public contract: its input, result, signal and update payloads.

These are what a signup service (in any language) and the operators' tools send; each is a
dataclass of its own so a payload can grow a field without breaking running switches.
Dates travel as "YYYY-MM-DD", instants as ISO-8601 with an offset. The input's request
fields travel flat beside its timings, as one JSON object (see the README); the signal is
the domain's `Notification` itself; the state carried and returned is the versioned record
of `SwitchState`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.lifecycle import Status
from domain.records import EMBEDDED
from domain.request import SwitchDetails
from domain.switch import SwitchState

WORKFLOW_NAME = "SwitchWorkflow"
TASK_QUEUE = "switching"
NOTIFICATION_SIGNAL = "notification"
WITHDRAW_UPDATE = "withdraw"
WAIVE_COMPENSATION_UPDATE = "waive_compensation"
STATUS_QUERY = "status"


@dataclass(frozen=True)
class SwitchInput:
    switch_id: str
    details: SwitchDetails = field(metadata=EMBEDDED)
    #: How long the switch is held before anything goes to CSS (operations can stop it).
    withdrawal_window_seconds: float = 600.0
    #: After the objection window closes, how long to wait for CSS before asking it.
    reconcile_grace_seconds: float = 3600.0
    #: Reconciliations one run makes before continuing as new, keeping history bounded.
    reconciliations_per_run: int = 50
    #: A switch that ends owing compensation stays open this long for an operator's waiver.
    compensation_review_seconds: float = 14 * 24 * 3600.0
    #: Set by continue-as-new only: the state the previous run ended with.
    carried_state: SwitchState | None = None


@dataclass(frozen=True)
class SwitchResult:
    switch_id: str
    status: Status
    state: SwitchState


@dataclass(frozen=True)
class WithdrawRequest:
    reason: str


@dataclass(frozen=True)
class WithdrawResult:
    status: Status
    detail: str


@dataclass(frozen=True)
class WaiveCompensationRequest:
    reason: str


@dataclass(frozen=True)
class WaiveCompensationResult:
    pence: int
    detail: str
