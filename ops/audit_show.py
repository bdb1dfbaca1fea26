"""`audit show`: one switch's timeline, its chain check, and the store-vs-workflow cross-check.

The cross-check folds the stored stream through the domain decider and compares it with the
state the workflow holds itself (`ops.switch_workflow`: the status query for a running
switch, the result for a completed one). Any disagreement is listed field by field. Any
other stream (a customer's erasure record, say) gets its timeline and chain check only.
Sealed personal fields are shown as sealed or erased, never as text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from temporalio.client import Client

from audit.crosscheck import Difference, differences, fold_stream
from audit.errors import AuditError
from domain.errors import DomainError
from domain.events import SwitchRequested
from eventstore.chain import BrokenLink, verify_stream
from eventstore.interface import EventStore
from ops.switch_workflow import workflow_view
from ops.timeline import TimelineEntry, timeline
from privacy.reveal import Opener, labels

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

    def lines(self) -> list[str]:
        """The report for people, one line each."""
        chain = "intact" if self.broken is None else self.broken.describe()
        return [
            *(entry.describe() for entry in self.entries),
            f"workflow: {self.workflow_status}",
            f"chain: {chain}",
            *(f"disagrees: {d.describe('workflow')}" for d in self.differences),
            *([] if self.fold_error is None else [f"cross-check: {self.fold_error}"]),
        ]


async def audit_switch(
    store: EventStore, client: Client, switch_id: str, personal: Opener | None = None
) -> SwitchAudit:
    events = await store.read_stream(switch_id)
    if not events:
        raise AuditError(f"no stream {switch_id!r} in the event store")
    found = await labels((e.data for e in events), personal) if personal else {}
    report = SwitchAudit(switch_id, timeline(events, found), verify_stream(switch_id, events), "")
    if events[0].type != SwitchRequested.__name__:
        report.workflow_status = NOT_A_SWITCH
        return report
    view = await workflow_view(client, switch_id)
    report.workflow_status = view.execution
    try:
        folded = fold_stream(events)
    except DomainError as error:
        report.fold_error = str(error)
        return report
    if view.state is None:
        report.fold_error = f"workflow is {view.execution}: it holds no state to compare"
        return report
    report.differences = differences(folded, view.state)
    return report
