"""Where each category of notification goes: a table of routes, one per category.

A route names the workflow a stored notification is for (None while none can be named yet:
the delivery loop keeps the notification and asks again), then tells it, raising only the
sink's two errors: `SignalFailed` (try again later) and `WorkflowClosed` (nobody left).

- registrations we made (a gain): the registration -> switch routes name the switch's
  workflow, which is signalled; CSS may speak before the switch has recorded its
  registration id, so a miss is kept and retried;
- another supplier's registration on a meter point we supply (a loss): the workflow id is
  `loss-<registration id>`, so the first notification starts the loss's workflow and later
  ones signal it, in one call (signal-with-start).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from css.inbound import Category, InboundMessage
from css.losses import LossMessage, to_loss_notification
from css.messages import to_notification
from domain.loss_notification import LossNotification
from receiver.directory import SwitchDirectory
from receiver.ledger import Delivery
from receiver.sink import NotificationSink
from workflows.loss_messages import loss_workflow_id


class LossStarter(Protocol):
    async def signal_loss(self, notification: LossNotification) -> None:
        """Signal the loss's workflow, starting it if there is none; raises `SignalFailed`,
        or `WorkflowClosed` when it has already finished."""
        ...


class Sink(NotificationSink, LossStarter, Protocol):
    """Everything the receiver's routes ask of the workflow engine."""


class Route(Protocol):
    #: The span attribute naming the workflow told (`switch.id`, `loss.id`).
    trace_key: str

    async def target(self, row: Delivery, message: InboundMessage) -> str | None:
        """The id of the workflow to tell, or None while none can be named yet."""
        ...

    async def deliver(self, target: str, message: InboundMessage) -> None:
        """Tell that workflow."""
        ...


class SwitchRoute:
    trace_key = "switch.id"

    def __init__(self, directory: SwitchDirectory, sink: NotificationSink) -> None:
        self._directory = directory
        self._sink = sink

    async def target(self, row: Delivery, message: InboundMessage) -> str | None:
        return row.switch_id or await self._directory.switch_for(row.registration_id)

    async def deliver(self, target: str, message: InboundMessage) -> None:
        assert not isinstance(message, LossMessage), "the category table sent a loss here"
        await self._sink.deliver(target, to_notification(message))


class LossRoute:
    trace_key = "loss.id"

    def __init__(self, starter: LossStarter) -> None:
        self._starter = starter

    async def target(self, row: Delivery, message: InboundMessage) -> str | None:
        return loss_workflow_id(message.registration_id)

    async def deliver(self, target: str, message: InboundMessage) -> None:
        assert isinstance(message, LossMessage), "the category table sent a gain here"
        await self._starter.signal_loss(to_loss_notification(message))


Routes = Mapping[Category, Route]


def notification_routes(directory: SwitchDirectory, sink: Sink) -> Routes:
    """The receiver's table: every category CSS pushes, and its route."""
    return {Category.REGISTRATION: SwitchRoute(directory, sink), Category.LOSS: LossRoute(sink)}
