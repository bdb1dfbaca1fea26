"""Telling a loss's workflow about a notification, starting it if it does not exist yet.

One call for both (Temporal's signal-with-start), so the first notification of a loss,
whichever it is, starts the workflow and no later one can race it into starting twice. A
loss whose workflow has finished is never started again: its notification is moot.
"""

from __future__ import annotations

from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDReusePolicy

from domain.loss_notification import LossNotification
from workflows.loss_messages import (
    LOSS_NOTIFICATION_SIGNAL,
    LOSS_WORKFLOW_NAME,
    LossPolicy,
    LossResult,
    loss_workflow_id,
)


async def signal_loss(
    client: Client, notification: LossNotification, *, task_queue: str, policy: LossPolicy
) -> WorkflowHandle[object, LossResult]:
    """Signal the loss's workflow, starting it first when there is none.

    Raises `temporalio.exceptions.WorkflowAlreadyStartedError` when the loss's workflow
    has already finished, and `RPCError` when Temporal does not answer.
    """
    registration_id = notification.registration_id
    handle: WorkflowHandle[object, LossResult] = await client.start_workflow(
        LOSS_WORKFLOW_NAME,
        policy.input_for(registration_id),
        id=loss_workflow_id(registration_id),
        task_queue=task_queue,
        result_type=LossResult,
        start_signal=LOSS_NOTIFICATION_SIGNAL,
        start_signal_args=[notification],
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
    )
    return handle
