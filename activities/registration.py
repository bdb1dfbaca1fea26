"""Activities that talk to CSS: submit, withdraw, and read a registration back.

Errors are classified by class name: `CssUnavailable` (5xx, 429, timeouts, connection
errors) is retried by Temporal; the leaves named in `contracts.CSS_NON_RETRYABLE` are not.
A refusal CSS gives on purpose (4xx) is translated into an `ApplicationError` carrying CSS's
reason code and detail, so the workflow can record it as the outcome.
"""

from __future__ import annotations

from typing import Protocol

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.contracts import (
    CSS_REFUSED,
    READ_REGISTRATION,
    SUBMIT_REGISTRATION,
    WITHDRAW_REGISTRATION,
    LegacySubmitInput,
    ReadInput,
    ReadResult,
    SubmitInput,
    SubmitResult,
    WithdrawInput,
    WithdrawOutcome,
)
from css.client import RegistrationAck, RegistrationRequest, RegistrationStatus
from css.errors import CssRejected
from css.messages import KIND_OF_STATUS, CssStatus


class CssGateway(Protocol):
    """What the activities need of CSS; `css.client.CssClient` is the real one."""

    async def submit_registration(self, request: RegistrationRequest) -> RegistrationAck: ...

    async def withdraw_registration(
        self, registration_id: str, message_id: str, reason: str
    ) -> None: ...

    async def get_registration(self, registration_id: str) -> RegistrationStatus: ...


class RegistrationActivities:
    def __init__(self, css: CssGateway, gaining_supplier_id: str) -> None:
        self._css = css
        self._supplier = gaining_supplier_id

    @activity.defn(name=SUBMIT_REGISTRATION.name)
    async def submit_registration(self, request: SubmitInput | LegacySubmitInput) -> SubmitResult:
        if isinstance(request, LegacySubmitInput):
            request = request.current()
        details = request.details
        outgoing = RegistrationRequest(
            message_id=request.message_id,
            sent_at=request.sent_at,
            gaining_supplier_id=self._supplier,
            mpxn=details.mpxn,
            fuel=details.fuel,
            market_sector=details.market_sector,
            requested_supply_start_date=request.supply_start_date,
            change_of_occupancy=details.change_of_occupancy,
            erroneous_transfer=details.erroneous_transfer,
            shipper_id=details.shipper_id,
        )
        try:
            ack = await self._css.submit_registration(outgoing)
        except CssRejected as refused:
            raise _refusal(refused) from refused
        return SubmitResult(registration_id=ack.registration_id, received_at=ack.received_at)

    @activity.defn(name=WITHDRAW_REGISTRATION.name)
    async def withdraw_registration(self, request: WithdrawInput) -> WithdrawOutcome:
        try:
            await self._css.withdraw_registration(
                request.registration_id, request.message_id, request.reason
            )
        except CssRejected as refused:
            return WithdrawOutcome(refused.reason_code, refused.detail)
        return WithdrawOutcome()

    @activity.defn(name=READ_REGISTRATION.name)
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
        type=CSS_REFUSED,
        non_retryable=True,
    )
