"""Driving loss workflows on the time-skipping server: notify as the receiver does (signal-
with-start), read the state, and finish by comparing the stream's fold with the result."""

from __future__ import annotations

import asyncio
import itertools
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from temporalio.client import WorkflowHandle
from temporalio.service import RPCError

from domain.accounts import AccountFacts
from domain.identifiers import Fuel, MarketSector
from domain.loss import fold
from domain.loss_events import LossEvent, loss_event_from_record
from domain.loss_notification import LossKind, LossNotification, LossStatus
from domain.loss_state import LossState
from domain.objection_policy import ReviewPolicy
from privacy.history import decrypt_history
from tests.codec import TEST_CODEC
from tests.integration.workflow.conftest import Engine
from workflows.loss_messages import (
    LOSS_STATUS_QUERY,
    LossPolicy,
    LossResult,
    loss_workflow_id,
)
from workflows.loss_start import signal_loss

MPAN = "1312345678907"
#: A policy that needs nobody unless a test says otherwise.
NOBODY = LossPolicy(review=ReviewPolicy(arrears_above_pence=None))
_ids = itertools.count(1)

LossHandle = WorkflowHandle[Any, LossResult]


def debt(on: date, arrears: int = 25_000, days: int = 45) -> AccountFacts:
    return AccountFacts(MPAN, MarketSector.DOMESTIC, arrears, on - timedelta(days=days))


@dataclass
class Loss:
    """One loss under test: its registration id, window and SSD, and its workflow."""

    rig: Losses
    registration_id: str
    window_end: datetime
    ssd: date

    @property
    def handle(self) -> LossHandle:
        client = self.rig.engine.env.client
        return client.get_workflow_handle(
            loss_workflow_id(self.registration_id), result_type=LossResult
        )

    async def notify(self, kind: LossKind, **fields: Any) -> str:
        message_id = str(fields.pop("message_id", f"L-{next(_ids)}"))
        if kind is LossKind.PENDING:
            fields = {
                "fuel": Fuel.ELECTRICITY,
                "market_sector": MarketSector.DOMESTIC,
                "gaining_supplier_id": "OTHR",
                "objection_window_end": self.window_end,
                "supply_start_date": self.ssd,
            } | fields
        if kind in (LossKind.SECURED, LossKind.COMPLETED):
            fields = {"supply_start_date": self.ssd} | fields
        told = LossNotification(
            message_id=message_id,
            kind=kind,
            registration_id=self.registration_id,
            mpxn=MPAN,
            occurred_at=fields.pop("occurred_at", await self.rig.now()),
            **fields,
        )
        await signal_loss(
            self.rig.engine.env.client,
            told,
            task_queue=self.rig.engine.task_queue,
            policy=self.rig.policy,
        )
        self.rig.engine.track(self.handle)
        return message_id

    async def walk(self, *kinds: LossKind) -> None:
        for kind in kinds:
            await self.notify(kind)

    async def wait_for(
        self, condition: Callable[[LossState], bool], seconds: float = 20
    ) -> LossState:
        """Poll the status query in real time (queries do not skip time)."""
        deadline = asyncio.get_running_loop().time() + seconds
        state: LossState | None = None
        while True:
            try:
                state = await self.handle.query(LOSS_STATUS_QUERY, result_type=LossState | None)  # type: ignore[arg-type]
            except RPCError:  # not started yet
                state = None
            if state is not None and condition(state):
                return state
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"condition not reached; last state {state}")
            await asyncio.sleep(0.05)

    async def events(self) -> list[LossEvent]:
        stream = await self.rig.engine.store.read_stream(loss_workflow_id(self.registration_id))
        return [loss_event_from_record(e.type, e.data, e.schema_version) for e in stream]

    async def finish(self, status: LossStatus) -> LossState:
        """The result, its status, and the stream folding to the same state."""
        await self.wait_for(lambda s: s.closed)
        with self.rig.engine.env.auto_time_skipping_disabled():
            result = await self.handle.result()
        assert result.status is status
        assert fold(await self.events()) == result.state
        await self._record_history()
        return result.state

    async def _record_history(self) -> None:
        """With SWITCHING_RECORD_HISTORIES=DIR, keep the history under DIR/loss."""
        folder = os.environ.get("SWITCHING_RECORD_HISTORIES")
        if folder:
            # Plain payloads: the session's key is gone once the tests end.
            history = decrypt_history(await self.handle.fetch_history(), TEST_CODEC)
            test = os.environ["PYTEST_CURRENT_TEST"].split("::")[-1].split(" ")[0]
            target = Path(folder, "loss")
            target.mkdir(exist_ok=True)
            (target / f"{test.removeprefix('test_')}.json").write_text(history.to_json())


@dataclass
class Losses:
    engine: Engine
    policy: LossPolicy = NOBODY

    async def now(self) -> datetime:
        return await self.engine.env.get_current_time()

    async def loss(self, window: timedelta = timedelta(days=1)) -> Loss:
        """A loss whose objection window closes `window` from now (nothing sent yet)."""
        end = await self.now() + window
        return Loss(
            self, f"REG-{uuid.uuid4().hex[:16].upper()}", end, end.date() + timedelta(days=1)
        )
