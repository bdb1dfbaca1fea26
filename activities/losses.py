"""The loss workflow's activities: the account look-up with the objection policy, gate
closure from the calendar, and our requests to CSS as the losing supplier.

A request to CSS carries the instant after which it must not reach CSS (the objection
window's end, less an allowance; gate closure for an annulment). The workflow bounds the
activity's schedule-to-close by it, so Temporal never starts an attempt later; each attempt
checks the clock again before it sends (a worker that was down, or a task picked up late,
sends nothing) and gives up waiting for CSS's answer at that instant. CSS being down near
the end is retried while time remains, then the request is recorded as not sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Protocol

from temporalio import activity
from temporalio.exceptions import ApplicationError

from accounts.port import Accounts, AccountsFault
from activities.contracts import AppendInput, AppendResult
from activities.events import EventActivities
from activities.loss_contracts import (
    APPEND_LOSS_EVENTS,
    ASSESS_OBJECTION,
    COMPUTE_LOSS_DATES,
    SEND_ANNULMENT,
    SEND_DEADLINE_PASSED,
    SEND_LIFT,
    SEND_OBJECTION,
    AssessInput,
    AssessResult,
    LossActionInput,
    LossDatesInput,
    LossDatesResult,
    LossSendResult,
    ObjectionInput,
)
from css.errors import CssRejected
from css.losses import LossActionRequest, LossRequestAck, ObjectionRequest
from domain.calendar import WorkingDayCalendar
from domain.objection_policy import assess
from eventstore.interface import EventStore


class LossGateway(Protocol):
    """What the loss activities need of CSS; `css.client.CssClient` is the real one."""

    async def object_to_registration(
        self, registration_id: str, request: ObjectionRequest
    ) -> LossRequestAck: ...

    async def lift_objection(
        self, registration_id: str, request: LossActionRequest
    ) -> LossRequestAck: ...

    async def annul_registration(
        self, registration_id: str, request: LossActionRequest
    ) -> LossRequestAck: ...


def _utc_now() -> datetime:
    return datetime.now(UTC)


class LossActivities:
    def __init__(
        self,
        *,
        store: EventStore,
        css: LossGateway,
        accounts: Accounts,
        calendar: WorkingDayCalendar,
        supplier_id: str,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._events = EventActivities(store)
        self._css = css
        self._accounts = accounts
        self._calendar = calendar
        self._supplier = supplier_id
        self._clock = clock

    @activity.defn(name=APPEND_LOSS_EVENTS.name)
    async def append_loss_events(self, request: AppendInput) -> AppendResult:
        return await self._events.append_switch_events(request)

    @activity.defn(name=ASSESS_OBJECTION.name)
    async def assess_objection(self, request: AssessInput) -> AssessResult:
        try:
            facts = await self._accounts.facts(request.mpxn)
        except AccountsFault as fault:
            raise ApplicationError(
                str(fault), type=type(fault).__name__, non_retryable=True
            ) from None
        return AssessResult(assess(facts, request.case, request.on, request.review), facts)

    @activity.defn(name=COMPUTE_LOSS_DATES.name)
    async def compute_loss_dates(self, request: LossDatesInput) -> LossDatesResult:
        gate = self._calendar.gate_closure(request.supply_start_date)
        return LossDatesResult(gate, self._calendar.version)

    @activity.defn(name=SEND_OBJECTION.name)
    async def send_objection(self, request: ObjectionInput) -> LossSendResult:
        objection = ObjectionRequest(
            request.message_id, self._clock(), self._supplier, request.evidence
        )
        return await self._before(
            request.not_after,
            lambda: self._css.object_to_registration(request.registration_id, objection),
        )

    @activity.defn(name=SEND_LIFT.name)
    async def send_objection_lift(self, request: LossActionInput) -> LossSendResult:
        lift = self._action(request)
        return await self._before(
            request.not_after, lambda: self._css.lift_objection(request.registration_id, lift)
        )

    @activity.defn(name=SEND_ANNULMENT.name)
    async def send_annulment(self, request: LossActionInput) -> LossSendResult:
        annulment = self._action(request)
        return await self._before(
            request.not_after,
            lambda: self._css.annul_registration(request.registration_id, annulment),
        )

    def _action(self, request: LossActionInput) -> LossActionRequest:
        return LossActionRequest(request.message_id, self._clock(), self._supplier, request.reason)

    async def _before(
        self, not_after: datetime, send: Callable[[], Awaitable[LossRequestAck]]
    ) -> LossSendResult:
        """Send only while it can reach CSS by `not_after`; CSS's refusal is a result."""
        remaining = (not_after - self._clock()).total_seconds()
        if remaining <= 0:
            raise _too_late(f"not sent: it would reach CSS after {not_after.isoformat()}")
        try:
            async with asyncio.timeout(remaining):
                await send()
        except TimeoutError:
            raise _too_late(
                f"CSS did not answer before {not_after.isoformat()}; no later attempt is made"
            ) from None
        except CssRejected as refused:
            return LossSendResult(refused.reason_code, refused.detail)
        return LossSendResult()


def _too_late(message: str) -> ApplicationError:
    return ApplicationError(message, type=SEND_DEADLINE_PASSED, non_retryable=True)
