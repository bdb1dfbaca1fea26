"""The production sink: a Temporal signal to the workflow whose id is the switch id.

Temporal answers NOT_FOUND both for a workflow that has completed and for one that never
existed (or whose history retention has passed); either way there is nobody to tell, so
both become `WorkflowClosed`. Every other failure is worth retrying.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from temporalio.client import Client
from temporalio.converter import PayloadCodec
from temporalio.service import RPCError, RPCStatusCode

from domain.notification import Notification
from receiver.sink import SignalFailed, WorkflowClosed
from workflows.client import TemporalUnreachable
from workflows.client import connect as connect_temporal
from workflows.messages import NOTIFICATION_SIGNAL


class TemporalSink:
    """Connects on first use, so the receiver accepts and stores while Temporal is down."""

    def __init__(self, connect: Callable[[], Awaitable[Client]]) -> None:
        self._connect = connect
        self._client: Client | None = None

    @classmethod
    def for_client(cls, client: Client) -> TemporalSink:
        sink = cls(lambda: _ready(client))
        sink._client = client
        return sink

    @classmethod
    def for_address(cls, address: str, namespace: str, codec: PayloadCodec) -> TemporalSink:
        return cls(lambda: connect_temporal(address, namespace, codec=codec))

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


async def _ready(client: Client) -> Client:
    return client
