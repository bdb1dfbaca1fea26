"""The workflow's public contract: its input, result, signal and update payloads.

These are what a signup service (in any language) and the operators' tools send; each is a
dataclass of its own so a payload can grow a field without breaking running switches.
Dates travel as "YYYY-MM-DD", instants as ISO-8601 with an offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from domain.identifiers import Fuel, MarketSector
from domain.lifecycle import NotificationKind, Status
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
    fuel: Fuel
    mpxn: str
    market_sector: MarketSector
    requested_supply_start_date: date | None = None
    change_of_occupancy: bool = False
    erroneous_transfer: bool = False
    shipper_id: str | None = None
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
class NotificationSignal:
    """A CSS notification, already verified and stored by the receiver."""

    message_id: str
    kind: NotificationKind
    registration_id: str
    occurred_at: datetime
    objection_window_end: datetime | None = None
    supply_start_date: date | None = None
    reason_code: str | None = None
    #: The meter point the notification names.
    mpxn: str | None = None
    #: The market sector CSS holds for it (VALIDATED carries it).
    market_sector: MarketSector | None = None


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
