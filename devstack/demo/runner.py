"""Playing a demo batch: start every switch, act as the operator at the right moments, and
watch until each one has reached the status its scenario expects.

Everything here is safe to repeat, so a batch interrupted by a killed stack resumes: a
start of an existing switch returns it, and each withdrawal is decided from the status
the switch has now (a repeated one is refused by the engine and only noted).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from temporalio.client import Client
from temporalio.service import RPCError

from devstack.demo import customers
from devstack.demo.scenarios import Action, DemoSwitch
from domain.lifecycle import TERMINAL, Status
from ops.errors import OperationError, WithdrawalRefused
from ops.switches import withdraw_switch
from privacy.vault import Vault
from workflows import search_attributes as sa
from workflows.signup import request_switch

POLL_SECONDS = 1.0
_REASON = "demo: operator withdrawal"

#: The statuses at which each action is taken.
_MOMENT: dict[Action, frozenset[Status]] = {
    Action.WITHDRAW_HELD: frozenset({Status.REQUESTED}),
    Action.WITHDRAW_SUBMITTED: frozenset(
        {Status.SUBMITTED, Status.PENDING, Status.OBJECTION_RECEIVED, Status.CONFIRMED}
    ),
    Action.WITHDRAW_SECURED: frozenset({Status.SECURED, Status.ACTIVE}),
}


@dataclass(frozen=True)
class DemoSettings:
    task_queue: str
    reconcile_grace: timedelta = timedelta(minutes=1)
    #: Give up (and fail) if the batch has not finished by then.
    limit: timedelta = timedelta(minutes=15)


@dataclass
class Progress:
    """One demo switch as the demo sees it."""

    switch: DemoSwitch
    status: Status | None = None
    acted: bool = False
    refusal: str | None = None
    note: str = ""

    @property
    def finished(self) -> bool:
        if self.status not in TERMINAL:
            return False
        # This story is only told once the engine has refused the late withdrawal.
        return self.switch.scenario.action is not Action.WITHDRAW_SECURED or self.acted

    @property
    def as_expected(self) -> bool:
        scenario = self.switch.scenario
        refused = scenario.action is not Action.WITHDRAW_SECURED or self.refusal is not None
        return self.finished and self.status is scenario.expected and refused


@dataclass
class DemoOutcome:
    progress: list[Progress]
    timed_out: bool = False
    duplicates_delivered: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and all(p.as_expected for p in self.progress)


#: Called after every poll with the batch's progress (the live view).
Observer = Callable[[list[Progress]], None]


async def start_batch(
    client: Client, switches: list[DemoSwitch], settings: DemoSettings, vault: Vault
) -> None:
    for switch in switches:
        await request_switch(
            client,
            switch.request(),
            task_queue=settings.task_queue,
            timings=switch.timings(settings.reconcile_grace),
            memo=await customers.memo(switch, vault),
        )


async def play(
    client: Client,
    switches: list[DemoSwitch],
    settings: DemoSettings,
    vault: Vault,
    observe: Observer,
) -> DemoOutcome:
    """Start the batch and drive it until every switch finished or the limit passed."""
    await start_batch(client, switches, settings, vault)
    progress = [Progress(switch) for switch in switches]
    deadline = time.monotonic() + settings.limit.total_seconds()
    while True:
        await asyncio.gather(*(_refresh(client, p) for p in progress))
        await asyncio.gather(*(_act(client, p) for p in progress))
        observe(progress)
        if all(p.finished for p in progress):
            return DemoOutcome(progress)
        if time.monotonic() > deadline:
            return DemoOutcome(progress, timed_out=True)
        await asyncio.sleep(POLL_SECONDS)


async def _refresh(client: Client, progress: Progress) -> None:
    try:
        described = await client.get_workflow_handle(progress.switch.switch_id).describe()
    except RPCError as error:
        progress.note = f"cannot describe: {error.message}"
        return
    value = described.typed_search_attributes.get(sa.SWITCH_STATUS)
    progress.status = Status(value) if value else None


async def _act(client: Client, progress: Progress) -> None:
    action = progress.switch.scenario.action
    if action is Action.NONE or progress.acted or progress.status not in _MOMENT[action]:
        return
    progress.acted = True
    try:
        result = await withdraw_switch(client, progress.switch.switch_id, _REASON)
    except WithdrawalRefused as refused:
        progress.refusal = str(refused)
        progress.note = f"withdrawal refused: {refused}"
        return
    except OperationError as error:
        # Not the story's refusal: try again on the next poll.
        progress.acted = False
        progress.note = f"withdrawal failed, retrying: {error}"
        return
    progress.note = f"withdrawal: {result.detail}"
