"""The production sink: a Temporal signal to the workflow whose id is the switch id, or a
signal-with-start of a loss's workflow.

Temporal answers NOT_FOUND both for a workflow that has completed and for one that never
existed (or whose history retention has passed); either way there is nobody to tell, so
both become `WorkflowClosed`. A loss's workflow is never started twice: signal-with-start
of one that has finished is refused, which is `WorkflowClosed` too. Every other failure is
worth retrying.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from temporalio.client import Client
from temporalio.converter import PayloadCodec
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from domain.loss_notification import LossNotification
from domain.notification import Notification
from receiver.sink import SignalFailed, WorkflowClosed
from workflows.client import TemporalUnreachable
from workflows.client import connect as connect_temporal
from workflows.loss_messages import LossPolicy, loss_workflow_id
from workflows.loss_start import signal_loss
from workflows.messages import NOTIFICATION_SIGNAL, TASK_QUEUE


class TemporalSink:
    """Connects on first use, so the receiver accepts and stores while Temporal is down."""

    def __init__(
        self,
        connect: Callable[[], Awaitable[Client]],
        *,
        task_queue: str = TASK_QUEUE,
        loss_policy: LossPolicy | None = None,
    ) -> None:
        self._connect = connect
        self._client: Client | None = None
        #: Where a loss's workflow starts, and the settings it starts with.
        self._task_queue = task_queue
        self._loss_policy = loss_policy or LossPolicy()

    @classmethod
    def for_client(
        cls, client: Client, *, task_queue: str = TASK_QUEUE, loss_policy: LossPolicy | None = None
    ) -> TemporalSink:
        sink = cls(lambda: _ready(client), task_queue=task_queue, loss_policy=loss_policy)
        sink._client = client
        return sink

    @classmethod
    def for_address(
        cls,
        address: str,
        namespace: str,
        codec: PayloadCodec,
        *,
        task_queue: str,
        loss_policy: LossPolicy,
    ) -> TemporalSink:
        return cls(
            lambda: connect_temporal(address, namespace, codec=codec),
            task_queue=task_queue,
            loss_policy=loss_policy,
        )

    async def _client_or_connect(self) -> Client:
        if self._client is None:
            try:
                self._client = await self._connect()
            except TemporalUnreachable as exc:
                raise SignalFailed(str(exc)) from exc
        return self._client

    async def deliver(self, switch_id: str, signal: Notification) -> None:
        client = await self._client_or_connect()
        handle = client.get_workflow_handle(switch_id)
        try:
            await handle.signal(NOTIFICATION_SIGNAL, signal)
        except RPCError as exc:
            if exc.status is RPCStatusCode.NOT_FOUND:
                raise WorkflowClosed(f"workflow {switch_id}: {exc.message}") from exc
            raise SignalFailed(
                f"signal to workflow {switch_id} failed ({exc.status.name}): {exc.message}"
            ) from exc

    async def signal_loss(self, notification: LossNotification) -> None:
        client = await self._client_or_connect()
        workflow_id = loss_workflow_id(notification.registration_id)
        try:
            await signal_loss(
                client, notification, task_queue=self._task_queue, policy=self._loss_policy
            )
        except WorkflowAlreadyStartedError as exc:
            raise WorkflowClosed(f"loss workflow {workflow_id} has already finished") from exc
        except RPCError as exc:
            raise SignalFailed(
                f"signal-with-start of {workflow_id} failed ({exc.status.name}): {exc.message}"
            ) from exc


async def _ready(client: Client) -> Client:
    return client
