"""Activities that talk to CSS: submit, withdraw, and read a registration back.

Errors are classified here, once, by class name: `CssUnavailable` (5xx, 429, timeouts,
connection errors) is retried by Temporal; the leaves named in `NON_RETRYABLE` are not.
A refusal CSS gives on purpose (4xx) is translated into an `ApplicationError` carrying CSS's
reason code and detail, so the workflow can record it as the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from temporalio import activity
from temporalio.exceptions import ApplicationError

from css.client import RegistrationAck, RegistrationRequest, RegistrationStatus
from css.errors import (
    AlgorithmNotAllowed,
    BadSignature,
    CssConflict,
    CssRejected,
    InvalidMessage,
    MalformedSignature,
    MissingSignature,
    SignatureMismatch,
    UnknownKeyId,
)
from css.messages import CssStatus
from domain.lifecycle import NotificationKind
from domain.switch import SwitchState

#: Activity failures Temporal must not retry: resending cannot change CSS's answer, and a
#: response that fails verification is a security event, not a glitch.
NON_RETRYABLE: tuple[str, ...] = tuple(
    cls.__name__
    for cls in (
        CssRejected,
        CssConflict,
        BadSignature,
        MissingSignature,
        MalformedSignature,
        UnknownKeyId,
        AlgorithmNotAllowed,
        SignatureMismatch,
        InvalidMessage,
    )
)

#: What a status read back from CSS tells the decider, as if CSS had notified it.
KIND_OF_STATUS: dict[CssStatus, NotificationKind | None] = {
    CssStatus.RECEIVED: None,
    CssStatus.PENDING: NotificationKind.VALIDATED,
    CssStatus.OBJECTION_RECEIVED: NotificationKind.OBJECTION_RAISED,
    CssStatus.CONFIRMED: NotificationKind.CONFIRMED,
    CssStatus.SECURED: NotificationKind.SECURED,
    CssStatus.ACTIVE: NotificationKind.ACTIVE,
    CssStatus.REJECTED: NotificationKind.REJECTED,
    CssStatus.OBJECTED: NotificationKind.OBJECTED,
    CssStatus.WITHDRAWN: NotificationKind.WITHDRAWN,
    CssStatus.ANNULLED: NotificationKind.ANNULLED,
}


class CssGateway(Protocol):
    """What the activities need of CSS; `css.client.CssClient` is the real one."""

    async def submit_registration(self, request: RegistrationRequest) -> RegistrationAck: ...

    async def withdraw_registration(
        self, registration_id: str, message_id: str, reason: str
    ) -> None: ...

    async def get_registration(self, registration_id: str) -> RegistrationStatus: ...


@dataclass(frozen=True)
class SubmitInput:
    message_id: str
    sent_at: datetime
    state: SwitchState


@dataclass(frozen=True)
class SubmitResult:
    registration_id: str
    #: When CSS says it received the request, if it says.
    received_at: datetime | None = None


@dataclass(frozen=True)
class WithdrawInput:
    registration_id: str
    message_id: str
    reason: str


@dataclass(frozen=True)
class WithdrawOutcome:
    refused_reason_code: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class ReadInput:
    registration_id: str


@dataclass(frozen=True)
class ReadResult:
    kind: NotificationKind | None
    occurred_at: datetime | None = None
    objection_window_end: datetime | None = None
    supply_start_date: date | None = None
    reason_code: str | None = None


class RegistrationActivities:
    def __init__(self, css: CssGateway, gaining_supplier_id: str) -> None:
        self._css = css
        self._supplier = gaining_supplier_id

    @activity.defn(name="submit_registration")
    async def submit_registration(self, request: SubmitInput) -> SubmitResult:
        state = request.state
        outgoing = RegistrationRequest(
            message_id=request.message_id,
            sent_at=request.sent_at,
            gaining_supplier_id=self._supplier,
            mpxn=state.mpxn,
            fuel=state.fuel,
            market_sector=state.market_sector,
            requested_supply_start_date=state.supply_start_date,
            change_of_occupancy=state.change_of_occupancy,
            erroneous_transfer=state.erroneous_transfer,
            shipper_id=state.shipper_id,
        )
        try:
            ack = await self._css.submit_registration(outgoing)
        except CssRejected as refused:
            raise _refusal(refused) from refused
        return SubmitResult(registration_id=ack.registration_id, received_at=ack.received_at)

    @activity.defn(name="withdraw_registration")
    async def withdraw_registration(self, request: WithdrawInput) -> WithdrawOutcome:
        try:
            await self._css.withdraw_registration(
                request.registration_id, request.message_id, request.reason
            )
        except CssRejected as refused:
            return WithdrawOutcome(refused.reason_code, refused.detail)
        return WithdrawOutcome()

    @activity.defn(name="read_registration")
    async def read_registration(self, request: ReadInput) -> ReadResult:
        found = await self._css.get_registration(request.registration_id)
        return ReadResult(
            kind=KIND_OF_STATUS[CssStatus(found.status)],
            occurred_at=found.occurred_at,
            objection_window_end=found.objection_window_end,
            supply_start_date=found.supply_start_date,
            reason_code=found.reason_code,
        )


def _refusal(refused: CssRejected) -> ApplicationError:
    return ApplicationError(
        str(refused),
        refused.reason_code,
        refused.detail,
        type="CssRejected",
        non_retryable=True,
    )
