"""Health checks the supervisor polls: each answers "ready yet?" and never raises.

They check what the next component relies on, not merely that a process exists: the
Temporal frontend answers, a worker is polling the task queue, a port accepts connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.converter import PayloadCodec
from temporalio.service import RPCError

from workflows.client import TemporalUnreachable
from workflows.client import connect as connect_temporal


async def port_open(host: str, port: int) -> bool:
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout=2)
    except (OSError, TimeoutError):
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


def port_free(host: str, port: int) -> bool:
    """True when nothing listens on the port (a socket in TIME_WAIT does not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return False
            raise
    return True


async def temporal_client(address: str, namespace: str, codec: PayloadCodec) -> Client | None:
    """A connected client, or None while the frontend is not answering yet."""
    try:
        return await connect_temporal(address, namespace, codec=codec)
    except TemporalUnreachable:
        return None


async def worker_polling(client: Client, task_queue: str, pid: int) -> bool:
    """True once the worker process `pid` polls the task queue for workflow tasks."""
    request = DescribeTaskQueueRequest(
        namespace=client.namespace,
        task_queue=TaskQueue(name=task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    try:
        described = await client.workflow_service.describe_task_queue(request)
    except RPCError:
        return False
    # The SDK's default worker identity is "<pid>@<host>".
    return any(poller.identity.startswith(f"{pid}@") for poller in described.pollers)
