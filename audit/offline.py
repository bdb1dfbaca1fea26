"""`audit verify-bundle`: check an exported bundle with no database and no Temporal server.

The audit key's seal is checked first against the pinned key (see `audit.bundle_seal`);
beyond it, the digests and the chain, the bundled history is replayed on today's workflow code
and, when the switch had closed, the stream folded through the decider must equal the state
the workflow returned (decoded from the history's completion event).
"""

from __future__ import annotations

from pathlib import Path

from temporalio.client import WorkflowHistory

from audit.bundle import BundleCheck, check_records, read_bundle
from audit.bundle_seal import check_seal
from audit.crosscheck import differences, fold_stream
from audit.errors import AuditError
from audit.keys import KeyPin
from audit.replay import replay
from domain.errors import DomainError
from domain.switch import SwitchState
from workflows.converter import DATA_CONVERTER
from workflows.messages import SwitchResult


async def closed_state(history: WorkflowHistory) -> SwitchState | None:
    """The state the workflow returned, or None while it was still running."""
    for event in reversed(history.events):
        if event.HasField("workflow_execution_completed_event_attributes"):
            payloads = event.workflow_execution_completed_event_attributes.result.payloads
            decoded = await DATA_CONVERTER.decode(payloads, [SwitchResult])
            result = decoded[0]
            if not isinstance(result, SwitchResult):
                raise AuditError("the history's result is not a SwitchResult")
            return result.state
    return None


async def verify_bundle(path: Path, pin: KeyPin) -> BundleCheck:
    bundle = read_bundle(path)
    check, events = check_records(bundle)
    # The seal first: a bundle whose chain and manifest were recomputed without the audit
    # key fails here even though its digests and links all agree.
    check.problems[:0] = check_seal(bundle, pin, events)
    try:
        history = WorkflowHistory.from_json(check.switch_id, bundle["history"])
    except (TypeError, ValueError) as error:
        check.problems.append(f"history does not parse: {error}")
        return check
    replayed = await replay([history])
    check.problems.extend(f"replay: {f.describe()}" for f in replayed.failures)
    if check.problems:
        # A stream that fails its chain is not evidence; folding it would mislead.
        return check
    returned = await closed_state(history)
    if returned is None:
        return check
    try:
        folded = fold_stream(events)
    except DomainError as error:
        check.problems.append(f"stream does not fold: {error}")
        return check
    found = differences(folded, returned)
    check.problems.extend(f"cross-check {d.describe('workflow')}" for d in found)
    return check
