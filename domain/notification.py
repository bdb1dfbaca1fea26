"""What CSS told us about a registration: one value for a pushed notification, a status
read back when reconciling, the workflow's signal, the decider's command and the stored
event alike.

CSS's wire shapes (one per event type, camelCase) are mapped to it once, in `css/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from domain.identifiers import MarketSector
from domain.lifecycle import NotificationKind


@dataclass(frozen=True)
class Notification:
    """A CSS notification; the type-specific fields are set only where CSS sends them."""

    message_id: str
    kind: NotificationKind
    registration_id: str
    occurred_at: datetime
    objection_window_end: datetime | None = None
    supply_start_date: date | None = None
    reason_code: str | None = None
    #: The meter point CSS names (None where the source does not say, as a status read).
    mpxn: str | None = None
    #: The market sector CSS holds for it (VALIDATED carries it).
    market_sector: MarketSector | None = None
