"""What the engine knows about one switch: the state the decider folds its events into."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

from domain.identifiers import MarketSector
from domain.lifecycle import STAGE_OF_STATUS, TERMINAL, Status
from domain.records import EMBEDDED, Upcaster
from domain.request import SwitchDetails

#: Guaranteed Standard payment owed once the backstop is missed (since 2024-04).
COMPENSATION_PENCE = 3000


#: The record fields version 2 added, with the values a version-1 state stands for.
_V2_DEFAULTS: dict[str, Any] = {
    "request_received_at": None,
    "request_day": None,
    "target_supply_start_date": None,
    "target_gate_closure": None,
    "backstop_supply_start_date": None,
    "backstop_gate_closure": None,
    "deadlines_market_sector": None,
    "held_market_sector": None,
    "compensation_waived": False,
    "compensation_waiver_reason": None,
    "unmatched_notifications": 0,
}


def _v1_to_v2(record: dict[str, Any]) -> dict[str, Any]:
    # Version 2 added the supply-date deadlines, the sector CSS holds, the compensation
    # waiver and the unmatched count; a version-1 state had none of them.
    return {**_V2_DEFAULTS, **record}


@dataclass(frozen=True)
class SwitchState:
    """What the engine knows about one switch: its events folded by `evolve`.

    Carried across continue-as-new, returned as the workflow's result and answered to its
    status query, the state's record is a versioned contract: a change of shape increments
    `SCHEMA_VERSION` and adds the upcaster from the version before (`domain.records`).
    The sector in `details` is the request's; `held_market_sector` is the one CSS holds.
    """

    SCHEMA_VERSION: ClassVar[int] = 2
    UPCASTERS: ClassVar[Mapping[int, Upcaster]] = {1: _v1_to_v2}

    switch_id: str
    status: Status
    details: SwitchDetails = field(metadata=EMBEDDED)
    requested_at: datetime
    updated_at: datetime
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
        return self.held_market_sector or self.details.market_sector

    @property
    def objection_standing(self) -> bool:
        raised, lifted = self.objection_raised_at, self.objection_lifted_at
        return raised is not None and (lifted is None or lifted < raised)

    @property
    def outcome_known(self) -> bool:
        """True once CSS has told us how the objection window ended (or anything later)."""
        return self.terminal or STAGE_OF_STATUS[self.status] >= STAGE_OF_STATUS[Status.CONFIRMED]
