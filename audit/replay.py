"""Replay workflow histories on the current workflow code (determinism check).

Histories come from Temporal (a visibility query) or from files: exported histories, or
the history inside an audit bundle. Replay needs no server; a failure is reported with the
workflow id and the first mismatch the SDK found between the history and today's code.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from temporalio.client import Client, WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.worker import Replayer, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from audit.errors import AuditError
from workflows.converter import DATA_CONVERTER
from workflows.switch import SwitchWorkflow

_PROGRESS_EVERY = 25


@dataclass(frozen=True)
class ReplayFailure:
    workflow_id: str
    mismatch: str

    def describe(self) -> str:
        return f"{self.workflow_id}: {self.mismatch}"


@dataclass
class ReplayReport:
    replayed: int = 0
    failures: list[ReplayFailure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        return f"{self.replayed} histories replayed, {len(self.failures)} failed"


def first_mismatch(error: BaseException) -> str:
    """The SDK's own words for the first divergence: its message's first line."""
    text = str(error).strip() or type(error).__name__
    # The core wraps its message in a debug dump of the failure; keep the message itself.
    quoted = re.search(r'message: "((?:[^"\\]|\\.)*)"', text)
    if quoted is not None:
        return quoted.group(1).replace('\\"', '"').replace("\\'", "'")
    return text.splitlines()[0]


def history_of_file(path: Path) -> WorkflowHistory:
    """An exported history (workflow id = file stem), or the history inside a bundle."""
    try:
        text = path.read_text("utf-8")
        value = json.loads(text)
    except OSError as error:
        raise AuditError(f"cannot read {path}: {error.strerror}") from None
    except ValueError as error:
        raise AuditError(f"{path} is not JSON: {error}") from None
    try:
        if isinstance(value, dict) and "manifest" in value:
            return WorkflowHistory.from_json(str(value["manifest"]["switch_id"]), value["history"])
        return WorkflowHistory.from_json(path.stem, text)
    except (KeyError, TypeError, ValueError) as error:
        raise AuditError(f"{path} holds no workflow history: {error}") from None


def histories_in(folder: Path) -> Iterator[WorkflowHistory]:
    """Histories read one at a time; an empty or missing folder is refused up front."""
    paths = sorted(folder.glob("*.json"))
    if not paths:
        raise AuditError(f"no *.json histories in {folder}")
    return (history_of_file(path) for path in paths)


async def histories_from(client: Client, query: str | None) -> AsyncIterator[WorkflowHistory]:
    async for history in client.list_workflows(query).map_histories():
        yield history


async def _async(
    histories: AsyncIterator[WorkflowHistory] | Iterable[WorkflowHistory],
) -> AsyncIterator[WorkflowHistory]:
    if isinstance(histories, AsyncIterator):
        async for history in histories:
            yield history
    else:
        for history in histories:
            yield history


async def replay(
    histories: AsyncIterator[WorkflowHistory] | Iterable[WorkflowHistory],
    workflows: Sequence[type] = (SwitchWorkflow,),
    progress: Callable[[ReplayReport], None] | None = None,
    workflow_runner: WorkflowRunner | None = None,
    converter: DataConverter = DATA_CONVERTER,
) -> ReplayReport:
    """Replay every history; never stops at the first failure.

    `workflow_runner` replaces the default sandboxed runner (the benchmark measures what the
    sandbox costs with `UnsandboxedWorkflowRunner`). `converter` must hold the payload codec
    for histories read from Temporal; exported bundles hold decoded ones.
    """
    replayer = Replayer(
        workflows=workflows,
        data_converter=converter,
        workflow_runner=workflow_runner or SandboxedWorkflowRunner(),
    )
    report = ReplayReport()
    async with replayer.workflow_replay_iterator(_async(histories)) as results:
        async for result in results:
            report.replayed += 1
            if result.replay_failure is not None:
                report.failures.append(
                    ReplayFailure(result.history.workflow_id, first_mismatch(result.replay_failure))
                )
            if progress is not None and report.replayed % _PROGRESS_EVERY == 0:
                progress(report)
    return report
