"""The demo's losses: other suppliers gain five of our customers, and the engine decides on
each as the story says.

    debt        arrears well past 28 days: the policy objects at once, the gain ends OBJECTED
    occupancy   the same kind of debt on a change of occupancy: no objection, the customer
                goes (LOST; the final bill is then due)
    paid        objected for debt, then lifted by the operator (the customer paid): LOST
    operator    arrears above the review threshold: the operator approves, OBJECTED
    annulled    no debt; the operator annuls (the customer never agreed): ANNULLED

The meter points are ours in the simulated market; the demo writes the account facts each
story needs into the accounts table (as billing would) and asks the CSS simulator to start
each loss, every time it runs (a resumed batch included). Stories the operator acts in use
non-domestic meter points, whose two-working-day window leaves the demo time to act at the
demo's clock speed.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path

from temporalio.client import Client
from temporalio.service import RPCError

from accounts.postgres import load
from domain.accounts import AccountFacts
from domain.identifiers import Fuel, MarketSector
from domain.loss_notification import ENDED, LossStatus
from domain.loss_state import LossDecision
from ops.errors import LossActionRefused, OperationError
from ops.losses import act
from simulator.control import SimulatorControl
from simulator.losses import OurMeterPoint, our_meter_points
from simulator.market.records import Market
from workflows import search_attributes as sa
from workflows.loss_messages import (
    ANNUL_UPDATE,
    APPROVE_OBJECTION_UPDATE,
    LIFT_OBJECTION_UPDATE,
    LossReason,
    OperatorNote,
    loss_workflow_id,
)


class LossAction(StrEnum):
    NONE = "none"
    APPROVE = "approve"
    LIFT = "lift"
    ANNUL = "annul"


@dataclass(frozen=True)
class LossStory:
    slug: str
    title: str
    expected: LossStatus
    decision: LossDecision
    sector: MarketSector
    arrears_pence: int = 0
    days_overdue: int = 0
    change_of_occupancy: bool = False
    action: LossAction = LossAction.NONE

    def facts(self, mpxn: str, today: date) -> AccountFacts:
        oldest = today - timedelta(days=self.days_overdue) if self.arrears_pence else None
        return AccountFacts(mpxn, self.sector, self.arrears_pence, oldest)


D, N = MarketSector.DOMESTIC, MarketSector.NON_DOMESTIC
LOSS_STORIES: tuple[LossStory, ...] = (
    LossStory("debt", "objected for debt", LossStatus.OBJECTED, LossDecision.OBJECT, D, 12_000, 40),
    LossStory(
        "occupancy",
        "change of occupancy",
        LossStatus.LOST,
        LossDecision.NO_OBJECTION,
        D,
        30_000,
        60,
        change_of_occupancy=True,
    ),
    LossStory(
        "paid",
        "lifted after payment",
        LossStatus.LOST,
        LossDecision.LIFTED,
        N,
        9_000,
        35,
        action=LossAction.LIFT,
    ),
    LossStory(
        "operator",
        "decided by an operator",
        LossStatus.OBJECTED,
        LossDecision.OBJECT,
        N,
        80_000,
        50,
        action=LossAction.APPROVE,
    ),
    LossStory(
        "annulled",
        "annulled: never agreed",
        LossStatus.ANNULLED,
        LossDecision.NO_OBJECTION,
        N,
        action=LossAction.ANNUL,
    ),
)

_NOT_STARTED = "not started yet"

#: The statuses and decision at which each action is taken.
_MOMENT: dict[LossAction, tuple[frozenset[LossStatus], LossDecision]] = {
    LossAction.APPROVE: (frozenset({LossStatus.PENDING}), LossDecision.AWAITING_OPERATOR),
    LossAction.LIFT: (frozenset({LossStatus.PENDING}), LossDecision.OBJECT),
    LossAction.ANNUL: (
        frozenset({LossStatus.PENDING, LossStatus.CONFIRMED}),
        LossDecision.NO_OBJECTION,
    ),
}


@dataclass
class LossProgress:
    """One demo loss as the demo sees it."""

    story: LossStory
    registration_id: str
    status: LossStatus | None = None
    decision: LossDecision | None = None
    acted: bool = False
    note: str = ""

    @property
    def name(self) -> str:
        return loss_workflow_id(self.registration_id)

    @property
    def title(self) -> str:
        return f"loss: {self.story.title}"

    @property
    def shown(self) -> str:
        return f"{self.status or 'starting'} / {self.decision or '-'}"

    @property
    def expected(self) -> str:
        return f"{self.story.expected} / {self.story.decision}"

    @property
    def finished(self) -> bool:
        return self.status in ENDED

    @property
    def as_expected(self) -> bool:
        story = self.story
        acted = story.action is LossAction.NONE or self.acted
        return self.status is story.expected and self.decision is story.decision and acted


def pick_meter_points(market_path: Path, batch_id: str) -> dict[str, OurMeterPoint]:
    """One of our electricity meter points of the right sector per story, the same for a
    resumed batch."""
    ours = our_meter_points(Market.load(market_path))
    rng = random.Random(batch_id)
    picked: dict[str, OurMeterPoint] = {}
    for story in LOSS_STORIES:
        free = [
            p
            for p in ours
            if p.fuel is Fuel.ELECTRICITY
            and p.market_sector is story.sector
            and p not in picked.values()
        ]
        if not free:
            raise OperationError(
                f"the market has no meter point of ours for the {story.slug} story"
            )
        picked[story.slug] = rng.choice(free)
    return picked


async def start_losses(
    css: SimulatorControl, owner_url: str, points: dict[str, OurMeterPoint], today: date
) -> list[LossProgress]:
    """Write each story's account facts, then start its loss.

    Every run of the demo starts its own: a loss cannot wait for a stack that was down while
    its window closed (that is what the window is for), so a resumed batch plays them again.
    """
    await load(owner_url, [story.facts(points[story.slug].mpxn, today) for story in LOSS_STORIES])
    progress = []
    for story in LOSS_STORIES:
        point = points[story.slug]
        # Named whole, so a simulator that was not given the market plays it all the same.
        order = {
            "mpxn": point.mpxn,
            "fuel": point.fuel.value,
            "marketSector": point.market_sector.value,
            "changeOfOccupancy": story.change_of_occupancy,
        }
        loss = await css.start_loss(order)
        progress.append(LossProgress(story, str(loss["registrationId"])))
    return progress


async def watch_losses(
    client: Client,
    progress: list[LossProgress],
    poll: float,
    *,
    done: Callable[[], bool],
    observe: Callable[[], None],
) -> None:
    """Follow every loss and act as its operator at the right moment, until each is finished
    (or `done` says to stop); `observe` is told after every poll."""
    while progress and not done():
        await asyncio.gather(*(_refresh(client, item) for item in progress))
        await asyncio.gather(*(_act(client, item) for item in progress))
        observe()
        if all(item.finished for item in progress):
            return
        await asyncio.sleep(poll)


async def _refresh(client: Client, item: LossProgress) -> None:
    try:
        described = await client.get_workflow_handle(item.name).describe()
    except RPCError as error:
        item.note = f"{_NOT_STARTED} ({error.message})"
        return
    if item.note.startswith(_NOT_STARTED):
        item.note = ""
    attrs = described.typed_search_attributes
    status, decision = attrs.get(sa.LOSS_STATUS), attrs.get(sa.LOSS_DECISION)
    item.status = LossStatus(status) if status else None
    item.decision = LossDecision(decision) if decision else None


async def _act(client: Client, item: LossProgress) -> None:
    action = item.story.action
    if action is LossAction.NONE or item.acted:
        return
    statuses, decision = _MOMENT[action]
    if item.status not in statuses or item.decision is not decision:
        return
    update, argument = {
        LossAction.APPROVE: (APPROVE_OBJECTION_UPDATE, OperatorNote("demo: account checked")),
        LossAction.LIFT: (LIFT_OBJECTION_UPDATE, LossReason("demo: the customer paid")),
        LossAction.ANNUL: (ANNUL_UPDATE, LossReason("demo: the customer never agreed")),
    }[action]
    try:
        result = await act(client, item.registration_id, update, argument)
    except LossActionRefused as refused:
        # Often only early (the objection is still on its way to CSS): try on the next poll.
        item.note = f"{action.value} refused, retrying: {refused}"
        return
    item.acted = True
    item.note = f"{action.value}: {result.detail}"
