"""An in-memory CSS behind the activities' own `CssGateway` interface.

Lifecycle tests steer it directly (which status CSS reports, which faults to inject); the
wire itself is covered by the CSS client and simulator tests over real mutual TLS.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime

from css.client import RegistrationAck, RegistrationRequest, RegistrationStatus
from css.errors import CssConflict, CssRejected, CssUnavailable
from css.messages import CssStatus


@dataclass
class FakeCss:
    statuses: dict[str, CssStatus] = field(default_factory=dict)
    #: The SSD CSS reports for a registration when read back (none unless set).
    supply_start_dates: dict[str, date] = field(default_factory=dict)
    by_message_id: dict[str, str] = field(default_factory=dict)
    requests: list[RegistrationRequest] = field(default_factory=list)
    withdrawals: list[str] = field(default_factory=list)
    unavailable_submits: int = 0  # answer 5xx to this many submissions first
    lose_first_ack: bool = False  # accept, then fail as if the answer timed out
    reject_with: str | None = None
    #: CSS's receipt time to put in its acknowledgements (None: it does not say).
    received_at: datetime | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def registrations(self) -> int:
        return len(self.by_message_id)

    async def submit_registration(self, request: RegistrationRequest) -> RegistrationAck:
        self.requests.append(request)
        if self.unavailable_submits > 0:
            self.unavailable_submits -= 1
            raise CssUnavailable("CSS answered 503")
        if self.reject_with is not None:
            raise CssRejected(422, self.reject_with, "refused by CSS validation")
        registration_id = self.by_message_id.get(request.message_id)
        if registration_id is None:
            registration_id = f"REG-{next(self._ids)}"
            self.by_message_id[request.message_id] = registration_id
            self.statuses[registration_id] = CssStatus.RECEIVED
        if self.lose_first_ack:
            self.lose_first_ack = False
            raise CssUnavailable("timed out waiting for CSS's answer")
        return RegistrationAck(registration_id, request.message_id, self.received_at)

    async def withdraw_registration(
        self, registration_id: str, message_id: str, reason: str
    ) -> None:
        if self.statuses[registration_id] is CssStatus.SECURED:
            raise CssConflict(409, "ALREADY_SECURED", "the registration is secured")
        self.withdrawals.append(registration_id)

    async def get_registration(self, registration_id: str) -> RegistrationStatus:
        return RegistrationStatus(
            registration_id=registration_id,
            status=self.statuses[registration_id],
            mpxn="",
            last_event_type=None,
            last_message_id=None,
            occurred_at=None,
            objection_window_end=None,
            supply_start_date=self.supply_start_dates.get(registration_id),
            reason_code=None,
        )
