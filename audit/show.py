"""`audit show`: one switch's timeline, its chain check, and the store-vs-workflow cross-check.

The cross-check folds the stored stream through the domain decider and compares it with the
state the workflow holds itself: the status query for a running switch, the result for a
closed one. Any disagreement is listed field by field. Any other stream (a customer's
erasure record, say) gets its timeline and chain check only. Sealed personal fields are
shown as sealed or erased, never as text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from audit.errors import AuditError
from audit.timeline import Difference, TimelineEntry, differences, fold_stream, timeline
from domain.errors import DomainError
from domain.events import SwitchRequested
from domain.switch import SwitchState
from eventstore.chain import BrokenLink, verify_stream
from eventstore.interface import EventStore
from privacy.reveal import Opener, labels
from workflows.messages import STATUS_QUERY, SwitchResult

NOT_A_SWITCH = "none (not a switch's stream: timeline and chain only)"


@dataclass
class SwitchAudit:
    switch_id: str
    entries: list[TimelineEntry]
    broken: BrokenLink | None
    workflow_status: str
    differences: list[Difference] = field(default_factory=list)
    fold_error: str | None = None

    @property
    def clean(self) -> bool:
        return self.broken is None and not self.differences and self.fold_error is None

    def to_json(self) -> dict[str, Any]:
        return {
            "switch_id": self.switch_id,
            "timeline": [entry.to_json() for entry in self.entries],
            "chain": "intact" if self.broken is None else self.broken.describe(),
            "workflow_status": self.workflow_status,
            "cross_check": [d.describe("workflow") for d in self.differences],
            "fold_error": self.fold_error,
            "clean": self.clean,
        }


async def workflow_state(client: Client, switch_id: str) -> tuple[str, SwitchState | None]:
    """The workflow's own view: (execution status, state from its query or result)."""
    handle = client.get_workflow_handle(switch_id, result_type=SwitchResult)
    try:
        description = await handle.describe()
        status = description.status
        if status is WorkflowExecutionStatus.RUNNING:
            state = await handle.query(STATUS_QUERY, result_type=SwitchState)
            return status.name, state
        if status is WorkflowExecutionStatus.COMPLETED:
            result = await handle.result()
            return status.name, result.state
        return (status.name if status is not None else "UNKNOWN"), None
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            raise AuditError(f"no workflow {switch_id!r} in Temporal") from None
        raise AuditError(f"Temporal refused {switch_id!r}: {error.message}") from None


async def audit_switch(
    store: EventStore, client: Client, switch_id: str, personal: Opener | None = None
) -> SwitchAudit:
    events = await store.read_stream(switch_id)
    if not events:
        raise AuditError(f"no stream {switch_id!r} in the event store")
    found = await labels((e.data for e in events), personal) if personal else {}
    entries = timeline(events, found)
    report = SwitchAudit(switch_id, entries, verify_stream(switch_id, events), "UNKNOWN")
    if events[0].type != SwitchRequested.__name__:
        report.workflow_status = NOT_A_SWITCH
        return report
    report.workflow_status, live = await workflow_state(client, switch_id)
    try:
        folded = fold_stream(events)
    except DomainError as error:
        report.fold_error = str(error)
        return report
    if live is None:
        report.fold_error = f"workflow is {report.workflow_status}: it holds no state to compare"
        return report
    report.differences = differences(folded, live)
    return report
