"""What the engine knows about one switch: the state the decider folds its events into."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from domain.identifiers import Fuel, MarketSector
from domain.lifecycle import STAGE_OF_STATUS, TERMINAL, Status

#: Guaranteed Standard payment owed once the backstop is missed (since 2024-04).
COMPENSATION_PENCE = 3000


@dataclass(frozen=True)
class SwitchState:
    switch_id: str
    status: Status
    fuel: Fuel
    mpxn: str
    #: The sector the request gave; `held_market_sector` is the one CSS holds.
    market_sector: MarketSector
    requested_supply_start_date: date | None
    change_of_occupancy: bool
    erroneous_transfer: bool
    requested_at: datetime
    updated_at: datetime
    shipper_id: str | None = None
    supply_start_date: date | None = None
    objection_window_end: datetime | None = None
    #: The earlier rules' deadlines (instants); None for switches under the SSD rules.
    two_day_target: datetime | None = None
    backstop: datetime | None = None
    calendar_version: str | None = None
    registration_id: str | None = None
    submission_message_id: str | None = None
    submitted_at: datetime | None = None
    objection_raised_at: datetime | None = None
    objection_lifted_at: datetime | None = None
    withdrawal_requested: bool = False
    reason_code: str | None = None
    deadline_missed: bool = False
    compensation_due: bool = False
    compensation_pence: int = 0
    stuck: bool = False
    reconciliations: int = 0
    seen_message_ids: tuple[str, ...] = ()
    version: int = 0
    #: The supply-date rules (`domain.calendar`): dates, and the gate closures after
    #: which each can no longer be met.
    request_received_at: datetime | None = None
    request_day: date | None = None
    target_supply_start_date: date | None = None
    target_gate_closure: datetime | None = None
    backstop_supply_start_date: date | None = None
    backstop_gate_closure: datetime | None = None
    #: The sector the deadlines were computed for, and the one CSS said it holds.
    deadlines_market_sector: MarketSector | None = None
    held_market_sector: MarketSector | None = None
    compensation_waived: bool = False
    compensation_waiver_reason: str | None = None
    #: Notifications recorded as not about this switch (another registration or meter).
    unmatched_notifications: int = 0

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def secured(self) -> bool:
        """CSS fixed the supply start date: the switch is secured or already active."""
        return self.status in (Status.SECURED, Status.ACTIVE)

    @property
    def effective_market_sector(self) -> MarketSector:
        """The sector that counts: the one CSS holds once it has said, else the request's."""
        return self.held_market_sector or self.market_sector

    @property
    def objection_standing(self) -> bool:
        raised, lifted = self.objection_raised_at, self.objection_lifted_at
        return raised is not None and (lifted is None or lifted < raised)

    @property
    def outcome_known(self) -> bool:
        """True once CSS has told us how the objection window ended (or anything later)."""
        return self.terminal or STAGE_OF_STATUS[self.status] >= STAGE_OF_STATUS[Status.CONFIRMED]
