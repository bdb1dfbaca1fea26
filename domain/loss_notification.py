"""What CSS tells the losing supplier about a switch away from it, and the loss's statuses.

A loss is another supplier's registration on a meter point we supply; CSS names it by its
registration id, which is also the loss's id. The vocabulary lives here (CSS's exact names
are not public); the wire mapping lives in `css/losses.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from domain.identifiers import Fuel, MarketSector


class LossKind(StrEnum):
    """The losing side's notifications (their wire event types)."""

    PENDING = "LOSS_PENDING"
    CONFIRMED = "LOSS_CONFIRMED"
    OBJECTED = "LOSS_OBJECTED"
    SECURED = "LOSS_SECURED"
    COMPLETED = "LOSS_COMPLETED"
    WITHDRAWN = "LOSS_WITHDRAWN"
    REJECTED = "LOSS_REJECTED"
    ANNULLED = "LOSS_ANNULLED"


class LossStatus(StrEnum):
    PENDING = "PENDING"  # the objection window is open
    CONFIRMED = "CONFIRMED"  # the window closed with no objection standing
    SECURED = "SECURED"  # gate closure passed: the customer leaves on the SSD
    LOST = "LOST"  # the new supplier supplies from the SSD; the final bill is ours to send
    OBJECTED = "OBJECTED"  # our objection stood at the window's end: the customer stays
    WITHDRAWN = "WITHDRAWN"  # the gaining supplier withdrew
    REJECTED = "REJECTED"  # CSS rejected the gaining supplier's request
    ANNULLED = "ANNULLED"  # annulled (the customer never agreed to it)


#: The statuses from which the registration goes nowhere (the loss may still owe a bill).
ENDED: frozenset[LossStatus] = frozenset(
    {
        LossStatus.LOST,
        LossStatus.OBJECTED,
        LossStatus.WITHDRAWN,
        LossStatus.REJECTED,
        LossStatus.ANNULLED,
    }
)

STATUS_AFTER: dict[LossKind, LossStatus] = {
    LossKind.PENDING: LossStatus.PENDING,
    LossKind.CONFIRMED: LossStatus.CONFIRMED,
    LossKind.OBJECTED: LossStatus.OBJECTED,
    LossKind.SECURED: LossStatus.SECURED,
    LossKind.COMPLETED: LossStatus.LOST,
    LossKind.WITHDRAWN: LossStatus.WITHDRAWN,
    LossKind.REJECTED: LossStatus.REJECTED,
    LossKind.ANNULLED: LossStatus.ANNULLED,
}

_LAST_STAGE = 5

#: How far along a status is; a notification of an earlier stage than the loss has reached
#: is recorded as stale and never moves it back.
STAGE_OF_STATUS: dict[LossStatus, int] = {
    LossStatus.PENDING: 1,
    LossStatus.CONFIRMED: 2,
    LossStatus.SECURED: 3,
    **dict.fromkeys(ENDED, _LAST_STAGE),
}
STAGE_OF_KIND: dict[LossKind, int] = {
    LossKind.PENDING: 1,
    LossKind.REJECTED: 1,
    LossKind.CONFIRMED: 2,
    LossKind.OBJECTED: 2,
    LossKind.SECURED: 3,
    LossKind.WITHDRAWN: 3,
    LossKind.ANNULLED: 3,
    LossKind.COMPLETED: 4,
}


@dataclass(frozen=True)
class LossNotification:
    """One losing-side notification; the pending loss carries the switch's particulars, the
    others what their stage adds (the SSD, a reason code)."""

    message_id: str
    kind: LossKind
    registration_id: str
    mpxn: str
    occurred_at: datetime
    fuel: Fuel | None = None
    market_sector: MarketSector | None = None
    gaining_supplier_id: str | None = None
    objection_window_end: datetime | None = None
    supply_start_date: date | None = None
    change_of_occupancy: bool = False
    erroneous_transfer: bool = False
    reason_code: str | None = None
